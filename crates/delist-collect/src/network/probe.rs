//! Active probe of a network range (`net:CIDR`): placeholder until the probe lands.
