"""Writes of visits: planning (``planning``) and the lifecycle (``lifecycle``)."""
