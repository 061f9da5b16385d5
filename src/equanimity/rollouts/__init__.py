"""rollouts stage."""
