"""Domain rules: pure functions over models; no Flask, Huey, Playwright or drivers here."""
