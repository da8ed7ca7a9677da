"""Prints drgn's view of init_net's network devices (drgn's list_for_each_entry over
init_net.dev_base_head: drgn 0.0.22 has no for_each_netdev), each found again by name with
drgn.helpers.linux.net.netdev_get_by_name, with their IPv4 addresses (ip_ptr->ifa_list), as JSON
(run with the system python, which has drgn)."""
import ipaddress
import json
import socket
import sys

import drgn
from drgn.helpers.linux.list import list_for_each_entry
from drgn.helpers.linux.net import netdev_get_by_name
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])

out = []
init_net = prog["init_net"]
for dev in list_for_each_entry("struct net_device", init_net.dev_base_head.address_of_(), "dev_list"):
    assert netdev_get_by_name(init_net.address_of_(), dev.name.string_()) == dev
    addrs = []
    if dev.ip_ptr:
        ifa = dev.ip_ptr.ifa_list
        while ifa:
            be = ifa.ifa_address.value_()
            addrs.append(str(ipaddress.IPv4Address(socket.ntohl(be) if sys.byteorder == "little" else be)))
            ifa = ifa.ifa_next
    out.append({"net_device": hex(dev.value_()), "name": dev.name.string_().decode(), "ipv4": addrs})
print(json.dumps({"net": hex(prog["init_net"].address_of_().value_()), "devices": out}))
