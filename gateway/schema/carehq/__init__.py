"""CareHQ in GraphQL: `types` (Room, Booking), `inputs` (enums, filters, sorts and their
translation into the client's queries), `queries` (room, rooms, booking, bookings) and
`mutations` (createBooking, cancelBooking)."""
