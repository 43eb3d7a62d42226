"""The cross-system view: `types` (the `Stay` interface every system's booking type implements,
`BookingSystem`, `Money`), `queries` (`stays`: both systems as one list) and `availability`
(`availableRooms`)."""
