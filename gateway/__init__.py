"""One GraphQL API over the CareHQ and Bedful booking systems."""
