"""新建办件: the filing wizard, one module per step."""
