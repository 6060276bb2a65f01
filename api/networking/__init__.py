"""Networking Open Space: meeting requests, the scheduler, agendas."""
