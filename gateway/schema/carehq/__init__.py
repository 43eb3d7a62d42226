"""CareHQ in GraphQL: `types` (Room, Booking), `stay` (a Booking as a `Stay`: its view and
price), `pages` (RoomPage, BookingPage), `enums` (CareHQ's enumerations and their mapping to the
client's members), `inputs` (filters and their translation into the client's queries),
`sorting` (sort orders), `queries` (room, rooms, booking, bookings), `ahead` (a list's rooms
loaded before it is completed) and `mutations` (createBooking, cancelBooking)."""
