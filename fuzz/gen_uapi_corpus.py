#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of fuzz_uapi (fuzz/corpus/uapi/).

Each seed is a short program in fuzz_uapi's input format (fuzz/fuzz_uapi.c,
docs/fuzzing.md): valid sequences the fuzzer would take long to find by
itself (a VM, a BO, binds with their op arrays, CPU mappings, sparse
binds, syncobjs with async binds and waits, queries, several files), and
the usual bad memory. The fuzzer mutates from there.

    python3 fuzz/gen_uapi_corpus.py fuzz/corpus/uapi
"""
import os
import struct
import sys

# fuzz_uapi's list of known requests is the ioctl numbers gpuvm knows, in
# order: a request is chosen by its index there.
KNOWN = ([0x00, 0x01, 0x02, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x11, 0x1e, 0x1f,
          0x2d, 0x2e] + list(range(0x40, 0x51)) + list(range(0xBF, 0xC6)) +
         list(range(0xCA, 0xCE)) + [0xCF])
IDX = {nr: i for i, nr in enumerate(KNOWN)}

VERSION, GEM_CLOSE, GET_CAP, SET_MASTER, DROP_MASTER = 0x00, 0x09, 0x0c, 0x1e, 0x1f
DEV_QUERY, VM_CREATE, VM_DESTROY, VM_BIND, VM_GET_STATE = 0x40, 0x41, 0x42, 0x43, 0x44
BO_CREATE, BO_MMAP_OFFSET, BO_SET_LABEL, BO_SYNC, BO_QUERY_INFO = 0x45, 0x46, 0x4d, 0x4f, 0x50
S_CREATE, S_DESTROY, S_WAIT, S_RESET, S_SIGNAL = 0xBF, 0xC0, 0xC3, 0xC4, 0xC5
S_TWAIT, S_QUERY, S_TRANSFER, S_TSIGNAL = 0xCA, 0xCB, 0xCC, 0xCD

MAP, UNMAP, SYNC_ONLY = 0, 1 << 28, 2 << 28
READONLY, NOEXEC, SPARSE = 1, 2, 8
SIGNAL = 1 << 31
TIMELINE = 1

# Pointer choices (fuzz_uapi.c pointer()).
NULL, GUARD = b'\x00', b'\x01'


def arena(off):
    return b'\x02' + struct.pack('<H', off)


def ro(off):
    return b'\x04' + struct.pack('<H', off)


def ioctl(nr, arg=b'', ptrs=b'', mode=3, file=0):
    """An ioctl step: request nr, the argument's bytes, then the pointer
    choices (and array elements) in field order, then how the argument
    is passed (0 unmapped, 1 NULL, 2 read-only, else normal)."""
    assert len(arg) < 256
    return (bytes([0, file, IDX[nr], len(arg)]) + arg + ptrs +
            bytes([mode]))


def elems(*items):
    """Array elements as aim() reads them: a length, then the bytes."""
    out = b''
    for e in items:
        out += bytes([len(e)]) + e
    return out


def arena_write(off, data):
    assert len(data) < 256
    return bytes([14]) + struct.pack('<HB', off, len(data)) + data


def mmap(slot, off_idx, pages, prot=3, file=0):
    # how=1: MAP_SHARED; how|32: mark writable
    return bytes([10, file, slot, 1 | 32, off_idx, pages - 1, prot])


def munmap(slot):
    return bytes([11, slot])


def files(slot, primary=False):
    return bytes([12, slot, 1 if primary else 0])


CHECK = bytes([13])


def bind_op(flags, bo, off, va, size, nsyncs=0):
    return struct.pack('<IIQQQIIQ', flags, bo, off, va, size, 16, nsyncs, 0)


def sync_op(flags, handle, point=0):
    return struct.pack('<IIQ', flags, handle, point)


def vm_bind(vm, flags, ops, syncs=None):
    """VM_BIND of ops in the arena at 0; syncs (per op) aimed into the
    arena at 0x8000 + 0x100 * i."""
    arg = struct.pack('<IIIIQ', vm, flags, 48, len(ops), 0)
    ptrs = arena(0)
    for i, op in enumerate(ops):
        ptrs += bytes([len(op)]) + op
        s = syncs[i] if syncs else []
        if s:
            ptrs += arena(0x8000 + 0x100 * i) + elems(*s)
        else:
            ptrs += NULL
    return ioctl(VM_BIND, arg, ptrs)


def vm_create(va_range=0):
    return ioctl(VM_CREATE, struct.pack('<IIQ', 0, 0, va_range))


def bo_create(size, flags=0, excl=0):
    return ioctl(BO_CREATE, struct.pack('<QIIII', size, flags, excl, 0, 0))


def mmap_offset(h):
    return ioctl(BO_MMAP_OFFSET, struct.pack('<IIQ', h, 0, 0))


def handles_at(off, hs, points=None):
    data = b''.join(struct.pack('<I', h) for h in hs)
    out = arena_write(off, data)
    if points:
        out += arena_write(off + 0x400,
                           b''.join(struct.pack('<Q', p) for p in points))
    return out


SEEDS = {}

SEEDS['bind_map_mmap'] = (
    b'\x00' + vm_create() + bo_create(0x10000) + mmap_offset(1) +
    vm_bind(1, 0, [bind_op(MAP, 1, 0, 0x40000000, 0x10000)]) +
    mmap(0, 0, 16) + CHECK +
    vm_bind(1, 0, [bind_op(UNMAP, 0, 0, 0x40000000, 0x10000)]) +
    munmap(0) + ioctl(GEM_CLOSE, struct.pack('<II', 1, 0)) +
    ioctl(VM_DESTROY, struct.pack('<II', 1, 0)))

SEEDS['sparse_100e6'] = (
    b'\x00' + vm_create() + bo_create(0x400000) +
    vm_bind(1, 0, [bind_op(MAP | SPARSE | NOEXEC, 0, 0, 1 << 32, 100003840),
                   bind_op(MAP, 1, 0, (1 << 32) + 0x600000, 0x400000)]) +
    CHECK +
    vm_bind(1, 0, [bind_op(UNMAP, 0, 0, (1 << 32) + 0x200000, 0x1000)]) +
    CHECK)

SEEDS['sparse_null_2m'] = (
    b'\x01' + vm_create() + bo_create(0x200000) +
    vm_bind(1, 0, [bind_op(MAP | SPARSE | NOEXEC, 0, 0, 0x40000000,
                           0x400000),
                   bind_op(MAP | READONLY, 1, 0, 0x40200000, 0x200000)]) +
    CHECK)

SEEDS['async_syncobj'] = (
    b'\x00' + vm_create() + bo_create(0x10000) +
    ioctl(S_CREATE, struct.pack('<II', 0, 0)) +
    ioctl(S_CREATE, struct.pack('<II', 0, 1)) +
    vm_bind(1, 1, [bind_op(MAP, 1, 0, 0x40000000, 0x10000, 2)],
            [[sync_op(0, 2), sync_op(SIGNAL, 1)]]) +
    handles_at(0x4000, [1]) +
    ioctl(S_WAIT, struct.pack('<QqIIIIq', 0, 0, 1, 2, 0, 0, 0),
          arena(0x4000)) +
    ioctl(S_RESET, struct.pack('<QII', 0, 1, 0), arena(0x4000)) +
    ioctl(VM_GET_STATE, struct.pack('<II', 1, 0)) + CHECK)

SEEDS['timeline'] = (
    b'\x00' + vm_create() + bo_create(0x1000) +
    ioctl(S_CREATE, struct.pack('<II', 0, 0)) +
    handles_at(0x4000, [1], [5]) +
    ioctl(S_TSIGNAL, struct.pack('<QQII', 0, 0, 1, 0),
          arena(0x4000) + arena(0x4400)) +
    ioctl(S_TRANSFER, struct.pack('<IIQQII', 1, 1, 5, 7, 0, 0)) +
    vm_bind(1, 1, [bind_op(MAP, 1, 0, 0x1000000, 0x1000, 2)],
            [[sync_op(TIMELINE, 1, 7), sync_op(SIGNAL | TIMELINE, 1, 9)]]) +
    handles_at(0x4000, [1], [9]) +
    ioctl(S_TWAIT, struct.pack('<QQqIIIIq', 0, 0, 0, 1, 2, 0, 0, 0),
          arena(0x4000) + arena(0x4400)) +
    ioctl(S_QUERY, struct.pack('<QQII', 0, 0, 1, 0),
          arena(0x4000) + arena(0x4800)))

SEEDS['queries'] = (
    b'\x00' +
    b''.join(ioctl(DEV_QUERY, struct.pack('<IIQ', t, 0, 0), NULL) +
             ioctl(DEV_QUERY, struct.pack('<IIQ', t, 0x70, 0), arena(0x100))
             for t in range(5)) +
    ioctl(VERSION, struct.pack('<IIIIQQQQQQ', 0, 0, 0, 0, 16, 0, 16, 0,
                               32, 0), arena(0x10) + arena(0x20) +
          arena(0x40)) +
    ioctl(GET_CAP, struct.pack('<QQ', 0x13, 0)))

SEEDS['files_master'] = (
    b'\x00' + files(1, primary=True) + ioctl(SET_MASTER, file=1) +
    ioctl(DROP_MASTER, file=1) + vm_create() + bo_create(0x2000) +
    mmap_offset(1) + mmap(0, 0, 2) + files(0) + files(0) +
    vm_create() + munmap(0) + files(1))

SEEDS['bad_memory'] = (
    b'\x00' + ioctl(GET_CAP, struct.pack('<QQ', 0x13, 0), mode=0) +
    ioctl(GET_CAP, struct.pack('<QQ', 0x13, 0), mode=2) +
    ioctl(VM_CREATE, b'', mode=2) + vm_create() + bo_create(0x1000) +
    ioctl(VM_BIND, struct.pack('<IIIIQ', 1, 0, 48, 2, 0), GUARD) +
    ioctl(DEV_QUERY, struct.pack('<IIQ', 0, 0x70, 0), ro(0)) +
    arena_write(0xfffe, b'ab') +
    ioctl(BO_SET_LABEL, struct.pack('<IIQ', 1, 0, 0), arena(0xfffe)) +
    ioctl(S_WAIT, struct.pack('<QqIIIIq', 0, 0, 1, 0, 0, 0, 0), GUARD))

SEEDS['bo_calls'] = (
    b'\x00' + vm_create() + bo_create(0x10000, 1, 1) + bo_create(0x3000) +
    arena_write(0x200, b'label\x00') +
    ioctl(BO_SET_LABEL, struct.pack('<IIQ', 2, 0, 0), arena(0x200)) +
    ioctl(BO_QUERY_INFO, struct.pack('<IIII', 2, 0, 0, 0)) +
    arena_write(0x300, struct.pack('<IIQQ', 2, 0, 0, 0x1000)) +
    ioctl(BO_SYNC, struct.pack('<IIQ', 24, 1, 0),
          arena(0x300) + elems(struct.pack('<IIQQ', 2, 0, 0, 0x1000))) +
    vm_bind(1, 0, [bind_op(MAP, 1, 0, 0x2000000, 0x10000),
                   bind_op(MAP | NOEXEC, 2, 0x1000, 0x3000000, 0x2000),
                   bind_op(SYNC_ONLY, 0, 0, 0, 0)]) + CHECK)


# GPU steps (fuzz_uapi.c step_gpu): file, flags (1: two queues at the
# first step, 2: queue 1, 4: evict the stream BO, 8: signal), the words.
# The stream BO is at 0x100000, a sparse range at 0x40000000.
def gpu(words, flags=8, file=0):
    return (bytes([15, file, flags, len(words)]) +
            b''.join(struct.pack('<Q', w) for w in words))


def cs(op, data=0):
    return op << 56 | data


def move48(d, imm):
    return cs(1, d << 48 | imm)


def move32(r, imm):
    return cs(2, r << 48 | imm)


def ldst(op, base, addr, mask, off=0):
    return cs(op, base << 48 | addr << 40 | mask << 16 | (off & 0xffff))


LOAD, STORE = 20, 21


def store(va, value):
    return [move48(68, va), move32(70, value), ldst(STORE, 70, 68, 1)]


def branch(cond, reg, off):
    return cs(22, reg << 40 | cond << 28 | (off & 0xffff))


def sync(op, data, addr):
    return cs(op, data << 32 | addr << 40)


def sync_wait(op, cond, data, addr):
    return cs(op, cond << 28 | data << 32 | addr << 40)


SEEDS['gpu_store_copy'] = (
    b'\x00' + gpu(store(0x100800, 0xdeadbeef) +
                  [move48(64, 0x100800), ldst(LOAD, 0, 64, 0xf),
                   move48(66, 0x40000010), ldst(STORE, 0, 66, 0xf),
                   ldst(LOAD, 4, 66, 0xff, -16), ldst(STORE, 4, 64, 0xff, 64)]) +
    gpu(store(0x100900, 7), flags=4) + CHECK)

SEEDS['gpu_faults'] = (
    b'\x01' + gpu(store(0x200000, 1)) + gpu([cs(0)]) +
    gpu(store(0x100000, 2), file=1) + files(1) + gpu(store(0x100000, 3), file=1) +
    gpu([cs(4)], file=1) + gpu([cs(10)]) + CHECK)

SEEDS['gpu_queues'] = (
    b'\x00' + gpu([move48(68, 0x100800), move32(70, 0),
                   sync_wait(39, 1, 70, 68), ldst(LOAD, 0, 68, 1),
                   ldst(STORE, 0, 68, 1, 4)], flags=1 | 8) +
    gpu([move48(68, 0x100800), move32(70, 3), sync(37, 70, 68)],
        flags=2) +
    gpu([move32(72, 5), cs(16, 72 << 48 | 72 << 40 | 0xffffffff),
         branch(1, 72, -2), branch(6, 0, -1)], flags=2 | 8) + CHECK)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'fuzz/corpus/uapi'
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
