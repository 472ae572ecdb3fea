#!/usr/bin/env python3
"""Unit test of the bridge's RFC 1055 SLIP codec (no root, no QEMU).

    python3 test_slip.py        (CTest: target.slip_codec)
"""

import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slip_tun_bridge import END, ESC, ESC_END, ESC_ESC, SlipDecoder, slip_encode  # noqa: E402


class Encode(unittest.TestCase):
    def test_plain_bytes_framed_by_end(self):
        self.assertEqual(slip_encode(b"\x45\x00\x01"), b"\xc0\x45\x00\x01\xc0")

    def test_end_and_esc_escaped(self):
        self.assertEqual(slip_encode(bytes([END])), bytes([END, ESC, ESC_END, END]))
        self.assertEqual(slip_encode(bytes([ESC])), bytes([END, ESC, ESC_ESC, END]))
        # ESC followed by the byte values of ESC_END/ESC_ESC: only the ESC changes.
        self.assertEqual(slip_encode(bytes([ESC, ESC_END, ESC_ESC])),
                         bytes([END, ESC, ESC_ESC, ESC_END, ESC_ESC, END]))

    def test_no_raw_end_inside(self):
        data = bytes(range(256)) * 4
        frame = slip_encode(data)
        self.assertEqual(frame[0], END)
        self.assertEqual(frame[-1], END)
        self.assertNotIn(END, frame[1:-1])


class Decode(unittest.TestCase):
    def test_round_trip_every_byte_value(self):
        data = bytes(range(256))
        d = SlipDecoder()
        self.assertEqual(d.feed(slip_encode(data)), [data])
        self.assertEqual((d.errors, d.oversize), (0, 0))

    def test_end_in_data(self):
        data = b"ab" + bytes([END]) + b"cd" + bytes([END, END])
        self.assertEqual(SlipDecoder().feed(slip_encode(data)), [data])

    def test_esc_at_end_of_data(self):
        data = b"xyz" + bytes([ESC])
        frame = slip_encode(data)
        self.assertEqual(frame[-3:], bytes([ESC, ESC_ESC, END]))
        self.assertEqual(SlipDecoder().feed(frame), [data])

    def test_back_to_back_ends_give_no_empty_frames(self):
        d = SlipDecoder()
        stream = bytes([END] * 5) + slip_encode(b"one") + bytes([END] * 3) + slip_encode(b"two")
        self.assertEqual(d.feed(stream), [b"one", b"two"])
        self.assertEqual(d.errors, 0)

    def test_frame_without_leading_end(self):
        # A sender need not send the opening END (RFC 1055 says it may).
        self.assertEqual(SlipDecoder().feed(b"abc" + bytes([END])), [b"abc"])

    def test_split_at_every_byte(self):
        data = bytes([1, END, 2, ESC, 3, ESC_END, ESC_ESC, 4])
        stream = slip_encode(data) + slip_encode(b"second")
        d = SlipDecoder()
        frames = []
        for i in range(len(stream)):
            frames += d.feed(stream[i:i + 1])
        self.assertEqual(frames, [data, b"second"])

    def test_split_between_esc_and_its_code(self):
        d = SlipDecoder()
        self.assertEqual(d.feed(bytes([END, 0x41, ESC])), [])
        self.assertEqual(d.feed(bytes([ESC_END, END])), [bytes([0x41, END])])

    def test_lone_esc_before_end_drops_the_frame(self):
        d = SlipDecoder()
        frames = d.feed(bytes([END, 0x41, 0x42, ESC, END]) + slip_encode(b"next"))
        self.assertEqual(frames, [b"next"])
        self.assertEqual(d.errors, 1)

    def test_bad_escape_counted_byte_kept(self):
        d = SlipDecoder()
        self.assertEqual(d.feed(bytes([END, ESC, 0x41, END])), [b"A"])
        self.assertEqual(d.errors, 1)

    def test_oversize_frame_dropped_and_counted(self):
        d = SlipDecoder(mtu=100)
        stream = slip_encode(b"\x01" * 100) + slip_encode(b"\x02" * 101) + slip_encode(b"ok")
        self.assertEqual(d.feed(stream), [b"\x01" * 100, b"ok"])
        self.assertEqual(d.oversize, 1)

    def test_oversize_counts_escaped_length(self):
        # The limit is on decoded bytes: 100 ENDs escape to 200 wire bytes but fit.
        d = SlipDecoder(mtu=100)
        data = bytes([END]) * 100
        self.assertEqual(d.feed(slip_encode(data)), [data])
        self.assertEqual(d.oversize, 0)

    def test_random_round_trip(self):
        rng = random.Random(1055)
        packets = [bytes(rng.choice((END, ESC, ESC_END, ESC_ESC, rng.randrange(256)))
                         for _ in range(rng.randrange(1, 1500))) for _ in range(200)]
        stream = b"".join(slip_encode(p) for p in packets)
        d = SlipDecoder()
        out = []
        pos = 0
        while pos < len(stream):
            n = rng.randrange(1, 700)
            out += d.feed(stream[pos:pos + n])
            pos += n
        self.assertEqual(out, packets)
        self.assertEqual((d.errors, d.oversize), (0, 0))


if __name__ == "__main__":
    unittest.main(verbosity=2)
