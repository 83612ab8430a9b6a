"""citysteward (城市管家): citizen service for city-management bureaus."""
