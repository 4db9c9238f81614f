"""GridCRM: customer relationship management for an electric power supply company."""
