#!/usr/bin/env python3
"""fake_san.py SYSFS_ROOT LUNS PATHS [SINGLE]: a fake sysfs tree of LUNS x PATHS SCSI disks (named
sdp<path>l<lun>) plus SINGLE one-path LUNs (sds<n>), each disk with a vpd_pg83 carrying its LUN's NAA
designator, as pathkeeper-udev-helper reads them. LUN n has WWID 36001405 + n in 25 hex digits (one-path LUNs
count on from LUNS). Used by the udev helper tests and the helper's benchmark: one process, so a tree of
hundreds of disks takes well under a second."""
import os
import sys


def add_disk(sys_root, name, host, lun, naa_hex):
    hctl = f"{host}:0:0:{lun}"
    rel = f"devices/platform/host{host}/session{host}/target{host}:0:0/{hctl}"
    dev = os.path.join(sys_root, rel)
    block = os.path.join(sys_root, "block", name)
    os.makedirs(dev, exist_ok=True)
    os.makedirs(block, exist_ok=True)
    with open(os.path.join(block, "dev"), "w") as f:
        f.write(f"{8 + host}:{lun}\n")
    with open(os.path.join(block, "size"), "w") as f:
        f.write("2097152\n")
    os.symlink(os.path.join("../..", rel), os.path.join(block, "device"))
    for attribute, text in (("vendor", "LIO-ORG \n"), ("model", "disk0           \n"), ("rev", "4.0\n"),
                            ("state", "running\n")):
        with open(os.path.join(dev, attribute), "w") as f:
            f.write(text)
    with open(os.path.join(dev, "vpd_pg83"), "wb") as f:
        f.write(bytes([0x00, 0x83, 0x00, 0x14, 0x01, 0x03, 0x00, 0x10]) + bytes.fromhex(naa_hex))


def main():
    sys_root, luns, paths = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    single = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    for lun in range(luns):
        for path in range(paths):
            add_disk(sys_root, f"sdp{path}l{lun}", path + 2, lun, f"6001405{lun:025x}")
    for n in range(single):
        add_disk(sys_root, f"sds{n}", 1, luns + n, f"6001405{luns + n:025x}")


if __name__ == "__main__":
    main()
