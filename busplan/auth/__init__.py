"""Who is asking: API keys of tenants, and the rule for when a key is required."""
