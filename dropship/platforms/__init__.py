"""Platform drivers (thin adapters over real pages/JSON), the browser manager, verification channel."""
