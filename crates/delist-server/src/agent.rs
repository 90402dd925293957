//! agent (next step)
