//! Noise golden tables: GB 3096-2008.
