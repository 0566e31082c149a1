"""Screenshots for a case: taking one, marking it up (arrows, frames, text, highlights, crop,
redactions) and attaching it as a PNG that carries nothing but its pixels."""
