# pcg.py: an independent model of lib/rng (PCG32 XSH-RR, O'Neill 2014) and
# of cifar-split's choice of validation images, for the tests to compare
# against.  Written from the PCG paper's description, not from lib/rng.c.
MASK64 = (1 << 64) - 1
MULT = 6364136223846793005
SPLIT_STREAM = 0x73706C6974  # "split"


class Pcg32:
    def __init__(self, seed, stream):
        self.state = 0
        self.inc = ((stream << 1) | 1) & MASK64
        self.u32()
        self.state = (self.state + seed) & MASK64
        self.u32()

    def u32(self):
        old = self.state
        self.state = (old * MULT + self.inc) & MASK64
        xs = (((old >> 18) ^ old) >> 27) & 0xFFFFFFFF
        rot = old >> 59
        return ((xs >> rot) | (xs << ((-rot) & 31))) & 0xFFFFFFFF

    def below(self, bound):
        threshold = (1 << 32) % bound  # == (2^32 - bound) % bound
        while True:
            x = self.u32()
            if x >= threshold:
                return x % bound

    def shuffle(self, a):
        # Fisher-Yates from the top: swap a[i-1] with a[below(i)].
        for i in range(len(a), 1, -1):
            j = self.below(i)
            a[i - 1], a[j] = a[j], a[i - 1]


def val_set(mode, seed, nval, labels):
    """The validation indices cifar-split should choose, as a set."""
    n = len(labels)
    if mode == "tail":
        return set(range(n - nval, n))
    r = Pcg32(seed, SPLIT_STREAM)
    if mode == "random":
        perm = list(range(n))
        r.shuffle(perm)
        return set(perm[:nval])
    per = nval // 10
    chosen = set()
    for c in range(10):
        members = [i for i in range(n) if labels[i] == c]
        r.shuffle(members)
        chosen.update(members[:per])
    return chosen


if __name__ == "__main__":
    p = Pcg32(42, 54)
    print(" ".join("0x%08x" % p.u32() for _ in range(6)))
