"""C runtime files shipped with tinyc (bare-metal start-up for emulator runs)."""
