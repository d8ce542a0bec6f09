"""What the bot says and asks: forms (onboarding, check-in, settings), commands, coach views."""
