//! Packet captures: placeholder until the capture reader lands.
