"""Bedful in GraphQL: `types` (BedfulBooking and its parts), `inputs` (filters, mutation inputs
and their checks), `queries` (bedfulBooking, bedfulBookings) and `mutations` (create, update,
cancel)."""
