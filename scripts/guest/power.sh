#!/bin/sh
echo "am-guest powerdown" > /dev/ttyS0
sync
poweroff -f
