"""The case list: its model, the background reader, filters, summary cards, navigation."""
