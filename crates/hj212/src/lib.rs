//! The HJ 212 wire codec (HJ/T 212-2005, HJ 212-2017, HJ 212-2025). No I/O.
