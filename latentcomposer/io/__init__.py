"""File and device IO: MIDI files, playback, audio rendering."""
