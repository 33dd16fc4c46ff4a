;; XXH3-64 with seed 0 and the default secret, written from the public xxHash specification
;; (doc/xxhash_spec.md in the xxHash repository). Inputs longer than 240 bytes take a SIMD128
;; path; shorter ones are scalar.
;;
;; Assembled by server/storage/build_xxh3.ts into server/storage/_xxh3_wasm.ts; the server loads
;; that through server/storage/xxh3.ts.
;;
;; Memory layout:
;;   [0, 192)    the default secret (read only)
;;   [192, 200)  where `hash_to_scratch` writes its result, little-endian
;;   [256, ...)  inputs, placed by the caller (the `input_base` global); `stamp_frames` also
;;               takes index and random areas the caller places after its input

(module
  (memory (export "memory") 4)

  ;; Address of the first byte callers may use for input.
  (global (export "input_base") i32 (i32.const 256))
  ;; Address of the 8-byte result written by `hash_to_scratch`.
  (global (export "scratch") i32 (i32.const 192))

  ;; The default 192-byte secret.
  (data (i32.const 0)
    "\b8\fe\6c\39\23\a4\4b\be\7c\01\81\2c\f7\21\ad\1c\de\d4\6d\e9\83\90\97\db\72\40\a4\a4\b7\b3\67\1f"
    "\cb\79\e6\4e\cc\c0\e5\78\82\5a\d0\7d\cc\ff\72\21\b8\08\46\74\f7\43\24\8e\e0\35\90\e6\81\3a\26\4c"
    "\3c\28\52\bb\91\c3\00\cb\88\d0\65\8b\1b\53\2e\a3\71\64\48\97\a2\0d\f9\4e\38\19\ef\46\a9\de\ac\d8"
    "\a8\fa\76\3f\e3\9c\34\3f\f9\dc\bb\c7\c7\0b\4f\1d\8a\51\e0\4b\cd\b4\59\31\c8\9f\7e\c9\d9\78\73\64"
    "\ea\c5\ac\83\34\d3\eb\c3\c5\81\a0\ff\fa\13\63\eb\17\0d\dd\51\b7\f0\da\49\d3\16\55\26\29\d4\68\9e"
    "\2b\16\be\58\7d\47\a1\fc\8f\f8\b8\d1\7a\d0\31\ce\45\cb\3a\8f\95\16\04\28\af\d7\fb\ca\bb\4b\40\7e")

  ;; Constants (xxHash specification):
  ;;   PRIME32_1 0x9E3779B1, PRIME32_2 0x85EBCA77, PRIME32_3 0xC2B2AE3D
  ;;   PRIME64_1 0x9E3779B185EBCA87, PRIME64_2 0xC2B2AE3D27D4EB4F, PRIME64_3 0x165667B19E3779F9
  ;;   PRIME64_4 0x85EBCA77C2B2AE63, PRIME64_5 0x27D4EB2F165667C5
  ;;   PRIME_MX1 0x165667919E3779F9, PRIME_MX2 0x9FB21C651E98DF25

  ;; The low and high halves of the 128-bit product a * b, xor-ed together.
  (func $mul_fold (param $a i64) (param $b i64) (result i64)
    (local $a_lo i64) (local $a_hi i64) (local $b_lo i64) (local $b_hi i64)
    (local $lo_lo i64) (local $lo_hi i64) (local $cross i64)
    (local.set $a_lo (i64.and (local.get $a) (i64.const 0xffffffff)))
    (local.set $a_hi (i64.shr_u (local.get $a) (i64.const 32)))
    (local.set $b_lo (i64.and (local.get $b) (i64.const 0xffffffff)))
    (local.set $b_hi (i64.shr_u (local.get $b) (i64.const 32)))
    (local.set $lo_lo (i64.mul (local.get $a_lo) (local.get $b_lo)))
    (local.set $lo_hi (i64.mul (local.get $a_lo) (local.get $b_hi)))
    ;; cannot overflow: (2^32 - 1)^2 + 2 (2^32 - 1) = 2^64 - 1
    (local.set $cross
      (i64.add
        (i64.add
          (i64.shr_u (local.get $lo_lo) (i64.const 32))
          (i64.and (local.get $lo_hi) (i64.const 0xffffffff)))
        (i64.mul (local.get $a_hi) (local.get $b_lo))))
    (i64.xor
      ;; low half
      (i64.or
        (i64.shl (local.get $cross) (i64.const 32))
        (i64.and (local.get $lo_lo) (i64.const 0xffffffff)))
      ;; high half
      (i64.add
        (i64.add
          (i64.mul (local.get $a_hi) (local.get $b_hi))
          (i64.shr_u (local.get $lo_hi) (i64.const 32)))
        (i64.shr_u (local.get $cross) (i64.const 32)))))

  ;; XXH3's avalanche.
  (func $avalanche (param $h i64) (result i64)
    (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 37))))
    (local.set $h (i64.mul (local.get $h) (i64.const 0x165667919E3779F9)))
    (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 32))))

  ;; XXH64's avalanche.
  (func $avalanche_xxh64 (param $h i64) (result i64)
    (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))
    (local.set $h (i64.mul (local.get $h) (i64.const 0xC2B2AE3D27D4EB4F)))
    (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 29))))
    (local.set $h (i64.mul (local.get $h) (i64.const 0x165667B19E3779F9)))
    (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 32))))

  ;; Mixes 16 input bytes at $p with 16 secret bytes at $s (seed 0).
  (func $mix16 (param $p i32) (param $s i32) (result i64)
    (call $mul_fold
      (i64.xor (i64.load (local.get $p)) (i64.load (local.get $s)))
      (i64.xor (i64.load offset=8 (local.get $p)) (i64.load offset=8 (local.get $s)))))

  ;; 1 to 3 bytes.
  (func $len_1to3 (param $p i32) (param $len i32) (result i64)
    (local $combined i32)
    (local.set $combined
      (i32.or
        (i32.or
          (i32.shl (i32.load8_u (local.get $p)) (i32.const 16))
          (i32.shl
            (i32.load8_u (i32.add (local.get $p) (i32.shr_u (local.get $len) (i32.const 1))))
            (i32.const 24)))
        (i32.or
          (i32.load8_u (i32.sub (i32.add (local.get $p) (local.get $len)) (i32.const 1)))
          (i32.shl (local.get $len) (i32.const 8)))))
    (call $avalanche_xxh64
      (i64.extend_i32_u
        (i32.xor
          (local.get $combined)
          (i32.xor (i32.load (i32.const 0)) (i32.load (i32.const 4)))))))

  ;; 4 to 8 bytes.
  (func $len_4to8 (param $p i32) (param $len i32) (result i64)
    (local $h i64)
    (local.set $h
      (i64.xor
        (i64.add
          (i64.load32_u (i32.sub (i32.add (local.get $p) (local.get $len)) (i32.const 4)))
          (i64.shl (i64.load32_u (local.get $p)) (i64.const 32)))
        (i64.xor (i64.load (i32.const 8)) (i64.load (i32.const 16)))))
    (local.set $h
      (i64.xor
        (local.get $h)
        (i64.xor
          (i64.rotl (local.get $h) (i64.const 49))
          (i64.rotl (local.get $h) (i64.const 24)))))
    (local.set $h (i64.mul (local.get $h) (i64.const 0x9FB21C651E98DF25)))
    (local.set $h
      (i64.xor
        (local.get $h)
        (i64.add
          (i64.shr_u (local.get $h) (i64.const 35))
          (i64.extend_i32_u (local.get $len)))))
    (local.set $h (i64.mul (local.get $h) (i64.const 0x9FB21C651E98DF25)))
    (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 28))))

  ;; 9 to 16 bytes.
  (func $len_9to16 (param $p i32) (param $len i32) (result i64)
    (local $lo i64) (local $hi i64)
    (local.set $lo
      (i64.xor
        (i64.load (local.get $p))
        (i64.xor (i64.load (i32.const 24)) (i64.load (i32.const 32)))))
    (local.set $hi
      (i64.xor
        (i64.load (i32.sub (i32.add (local.get $p) (local.get $len)) (i32.const 8)))
        (i64.xor (i64.load (i32.const 40)) (i64.load (i32.const 48)))))
    (call $avalanche
      (i64.add
        (i64.add
          (i64.extend_i32_u (local.get $len))
          ;; byte-swapped $lo
          (i64x2.extract_lane 0
            (i8x16.shuffle 7 6 5 4 3 2 1 0 8 9 10 11 12 13 14 15
              (i64x2.splat (local.get $lo))
              (i64x2.splat (local.get $lo)))))
        (i64.add
          (local.get $hi)
          (call $mul_fold (local.get $lo) (local.get $hi))))))

  ;; 17 to 128 bytes: pairs of 16-byte chunks from both ends.
  (func $len_17to128 (param $p i32) (param $len i32) (result i64)
    (local $acc i64) (local $end i32)
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $acc (i64.mul (i64.extend_i32_u (local.get $len)) (i64.const 0x9E3779B185EBCA87)))
    (if (i32.gt_u (local.get $len) (i32.const 32))
      (then
        (if (i32.gt_u (local.get $len) (i32.const 64))
          (then
            (if (i32.gt_u (local.get $len) (i32.const 96))
              (then
                (local.set $acc
                  (i64.add (local.get $acc)
                    (call $mix16 (i32.add (local.get $p) (i32.const 48)) (i32.const 96))))
                (local.set $acc
                  (i64.add (local.get $acc)
                    (call $mix16 (i32.sub (local.get $end) (i32.const 64)) (i32.const 112))))))
            (local.set $acc
              (i64.add (local.get $acc)
                (call $mix16 (i32.add (local.get $p) (i32.const 32)) (i32.const 64))))
            (local.set $acc
              (i64.add (local.get $acc)
                (call $mix16 (i32.sub (local.get $end) (i32.const 48)) (i32.const 80))))))
        (local.set $acc
          (i64.add (local.get $acc)
            (call $mix16 (i32.add (local.get $p) (i32.const 16)) (i32.const 32))))
        (local.set $acc
          (i64.add (local.get $acc)
            (call $mix16 (i32.sub (local.get $end) (i32.const 32)) (i32.const 48))))))
    (local.set $acc (i64.add (local.get $acc) (call $mix16 (local.get $p) (i32.const 0))))
    (local.set $acc
      (i64.add (local.get $acc)
        (call $mix16 (i32.sub (local.get $end) (i32.const 16)) (i32.const 16))))
    (call $avalanche (local.get $acc)))

  ;; 129 to 240 bytes: 16-byte chunks, an avalanche after the first eight, then the last 16 bytes.
  (func $len_129to240 (param $p i32) (param $len i32) (result i64)
    (local $acc i64) (local $q i32) (local $s i32) (local $stop i32)
    (local.set $acc (i64.mul (i64.extend_i32_u (local.get $len)) (i64.const 0x9E3779B185EBCA87)))
    (local.set $q (local.get $p))
    (local.set $s (i32.const 0))
    (loop $first
      (local.set $acc (i64.add (local.get $acc) (call $mix16 (local.get $q) (local.get $s))))
      (local.set $q (i32.add (local.get $q) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br_if $first (i32.lt_u (local.get $s) (i32.const 128))))
    (local.set $acc (call $avalanche (local.get $acc)))
    ;; chunks 8 .. len / 16 - 1 (none below 144 bytes), secret from offset 3
    (local.set $stop
      (i32.add (local.get $p) (i32.and (local.get $len) (i32.const 0xfffffff0))))
    (local.set $s (i32.const 3))
    (block $no_rest
      (br_if $no_rest (i32.ge_u (local.get $q) (local.get $stop)))
      (loop $rest
        (local.set $acc (i64.add (local.get $acc) (call $mix16 (local.get $q) (local.get $s))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (br_if $rest (i32.lt_u (local.get $q) (local.get $stop)))))
    ;; the last 16 bytes, secret at 136 - 17
    (local.set $acc
      (i64.add (local.get $acc)
        (call $mix16
          (i32.sub (i32.add (local.get $p) (local.get $len)) (i32.const 16))
          (i32.const 119))))
    (call $avalanche (local.get $acc)))

  ;; More than 240 bytes: blocks of 16 stripes of 64 bytes into eight 64-bit accumulators. Per
  ;; stripe, for lane i: acc[i ^ 1] += data[i]; acc[i] += lo32(k) * hi32(k) with
  ;; k = data[i] ^ secret[i]. The accumulators are kept in four i64x2 vectors with each pair
  ;; swapped, $a0 = (acc[1], acc[0]), ..., $a3 = (acc[7], acc[6]): the data then adds to them
  ;; as it is loaded, and the shuffles that split the keys into 32-bit halves put the products
  ;; in the same swapped order.
  (func $len_long (param $p i32) (param $len i32) (result i64)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $x v128) (local $y v128) (local $lo v128) (local $hi v128)
    (local $s i32) (local $end i32) (local $blocks i32) (local $count i32) (local $last i32)
    (local $n i32)
    (local $r i64)
    ;; initial accumulators (PRIME32_3, PRIME64_1, PRIME64_2, PRIME64_3, PRIME64_4, PRIME32_2,
    ;; PRIME64_5, PRIME32_1), pairs swapped
    (local.set $a0 (v128.const i64x2 0x9E3779B185EBCA87 0xC2B2AE3D))
    (local.set $a1 (v128.const i64x2 0x165667B19E3779F9 0xC2B2AE3D27D4EB4F))
    (local.set $a2 (v128.const i64x2 0x85EBCA77 0x85EBCA77C2B2AE63))
    (local.set $a3 (v128.const i64x2 0x9E3779B1 0x27D4EB2F165667C5))
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    ;; with n = len - 1: n / 1024 full blocks, then (n / 64) % 16 full stripes, then the last one
    (local.set $n (i32.sub (local.get $len) (i32.const 1)))
    (local.set $blocks (i32.shr_u (local.get $n) (i32.const 10)))
    ;; stripes of the segment being run: 16 for a full block, then those of the last block but
    ;; its final stripe, then that final stripe alone
    (local.set $count
      (select (i32.const 16) (i32.and (i32.shr_u (local.get $n) (i32.const 6)) (i32.const 15))
        (local.get $blocks)))
    (block $done
      (loop $segment
        (block $empty
          (br_if $empty (i32.eqz (local.get $count)))
          (loop $stripe
            ;; lanes (1, 0, 3, 2) of the keys' low and high halves: products for $a0 and $a1,
            ;; then for $a2 and $a3
            (local.set $x (v128.load offset=0 (local.get $p)))
            (local.set $y (v128.load offset=16 (local.get $p)))
            (local.set $a0 (i64x2.add (local.get $a0) (local.get $x)))
            (local.set $a1 (i64x2.add (local.get $a1) (local.get $y)))
            (local.set $x (v128.xor (local.get $x) (v128.load offset=0 (local.get $s))))
            (local.set $y (v128.xor (local.get $y) (v128.load offset=16 (local.get $s))))
            (local.set $lo
              (i8x16.shuffle 8 9 10 11 0 1 2 3 24 25 26 27 16 17 18 19 (local.get $x) (local.get $y)))
            (local.set $hi
              (i8x16.shuffle 12 13 14 15 4 5 6 7 28 29 30 31 20 21 22 23 (local.get $x) (local.get $y)))
            (local.set $a0
              (i64x2.add (local.get $a0) (i64x2.extmul_low_i32x4_u (local.get $lo) (local.get $hi))))
            (local.set $a1
              (i64x2.add (local.get $a1) (i64x2.extmul_high_i32x4_u (local.get $lo) (local.get $hi))))
            (local.set $x (v128.load offset=32 (local.get $p)))
            (local.set $y (v128.load offset=48 (local.get $p)))
            (local.set $a2 (i64x2.add (local.get $a2) (local.get $x)))
            (local.set $a3 (i64x2.add (local.get $a3) (local.get $y)))
            (local.set $x (v128.xor (local.get $x) (v128.load offset=32 (local.get $s))))
            (local.set $y (v128.xor (local.get $y) (v128.load offset=48 (local.get $s))))
            (local.set $lo
              (i8x16.shuffle 8 9 10 11 0 1 2 3 24 25 26 27 16 17 18 19 (local.get $x) (local.get $y)))
            (local.set $hi
              (i8x16.shuffle 12 13 14 15 4 5 6 7 28 29 30 31 20 21 22 23 (local.get $x) (local.get $y)))
            (local.set $a2
              (i64x2.add (local.get $a2) (i64x2.extmul_low_i32x4_u (local.get $lo) (local.get $hi))))
            (local.set $a3
              (i64x2.add (local.get $a3) (i64x2.extmul_high_i32x4_u (local.get $lo) (local.get $hi))))
            (local.set $p (i32.add (local.get $p) (i32.const 64)))
            (local.set $s (i32.add (local.get $s) (i32.const 8)))
            (local.set $count (i32.sub (local.get $count) (i32.const 1)))
            (br_if $stripe (local.get $count))))
        (if (local.get $blocks)
          (then
            ;; end of a block: acc = ((acc ^ (acc >> 47)) ^ secret) * PRIME32_1, with the last 64
            ;; secret bytes (pairs swapped); written out here, as a call costs more than the work
            (local.set $a0
              (i64x2.mul
                (v128.xor
                  (v128.xor (local.get $a0) (i64x2.shr_u (local.get $a0) (i32.const 47)))
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (v128.load (i32.const 128)) (v128.load (i32.const 128))))
                (v128.const i64x2 0x9E3779B1 0x9E3779B1)))
            (local.set $a1
              (i64x2.mul
                (v128.xor
                  (v128.xor (local.get $a1) (i64x2.shr_u (local.get $a1) (i32.const 47)))
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (v128.load (i32.const 144)) (v128.load (i32.const 144))))
                (v128.const i64x2 0x9E3779B1 0x9E3779B1)))
            (local.set $a2
              (i64x2.mul
                (v128.xor
                  (v128.xor (local.get $a2) (i64x2.shr_u (local.get $a2) (i32.const 47)))
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (v128.load (i32.const 160)) (v128.load (i32.const 160))))
                (v128.const i64x2 0x9E3779B1 0x9E3779B1)))
            (local.set $a3
              (i64x2.mul
                (v128.xor
                  (v128.xor (local.get $a3) (i64x2.shr_u (local.get $a3) (i32.const 47)))
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (v128.load (i32.const 176)) (v128.load (i32.const 176))))
                (v128.const i64x2 0x9E3779B1 0x9E3779B1)))
            (local.set $s (i32.const 0))
            (local.set $blocks (i32.sub (local.get $blocks) (i32.const 1)))
            (local.set $count
              (select (i32.const 16) (i32.and (i32.shr_u (local.get $n) (i32.const 6)) (i32.const 15))
                (local.get $blocks)))
            (br $segment)))
        (br_if $done (local.get $last))
        ;; the last stripe: the final 64 bytes, secret at 192 - 64 - 7
        (local.set $p (i32.sub (local.get $end) (i32.const 64)))
        (local.set $s (i32.const 121))
        (local.set $count (i32.const 1))
        (local.set $last (i32.const 1))
        (br $segment)))
    ;; merge: sum over pairs of fold(acc[2j] ^ secret64[11 + 16j], acc[2j+1] ^ secret64[19 + 16j]);
    ;; the fold is symmetric, so the swapped order does not matter
    (local.set $r (i64.mul (i64.extend_i32_u (local.get $len)) (i64.const 0x9E3779B185EBCA87)))
    (local.set $x
      (v128.xor (local.get $a0)
        (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (v128.load (i32.const 11)) (v128.load (i32.const 11)))))
    (local.set $r
      (i64.add (local.get $r)
        (call $mul_fold (i64x2.extract_lane 0 (local.get $x)) (i64x2.extract_lane 1 (local.get $x)))))
    (local.set $x
      (v128.xor (local.get $a1)
        (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (v128.load (i32.const 27)) (v128.load (i32.const 27)))))
    (local.set $r
      (i64.add (local.get $r)
        (call $mul_fold (i64x2.extract_lane 0 (local.get $x)) (i64x2.extract_lane 1 (local.get $x)))))
    (local.set $x
      (v128.xor (local.get $a2)
        (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (v128.load (i32.const 43)) (v128.load (i32.const 43)))))
    (local.set $r
      (i64.add (local.get $r)
        (call $mul_fold (i64x2.extract_lane 0 (local.get $x)) (i64x2.extract_lane 1 (local.get $x)))))
    (local.set $x
      (v128.xor (local.get $a3)
        (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (v128.load (i32.const 59)) (v128.load (i32.const 59)))))
    (local.set $r
      (i64.add (local.get $r)
        (call $mul_fold (i64x2.extract_lane 0 (local.get $x)) (i64x2.extract_lane 1 (local.get $x)))))
    (call $avalanche (local.get $r)))

  ;; XXH3-64 (seed 0) of memory [$p, $p + $len).
  (func $hash (param $p i32) (param $len i32) (result i64)
    (if (i32.le_u (local.get $len) (i32.const 16))
      (then
        (if (i32.gt_u (local.get $len) (i32.const 8))
          (then (return (call $len_9to16 (local.get $p) (local.get $len)))))
        (if (i32.ge_u (local.get $len) (i32.const 4))
          (then (return (call $len_4to8 (local.get $p) (local.get $len)))))
        (if (local.get $len)
          (then (return (call $len_1to3 (local.get $p) (local.get $len)))))
        (return
          (call $avalanche_xxh64 (i64.xor (i64.load (i32.const 56)) (i64.load (i32.const 64)))))))
    (if (i32.le_u (local.get $len) (i32.const 128))
      (then (return (call $len_17to128 (local.get $p) (local.get $len)))))
    (if (i32.le_u (local.get $len) (i32.const 240))
      (then (return (call $len_129to240 (local.get $p) (local.get $len)))))
    (call $len_long (local.get $p) (local.get $len)))

  ;; XXH3-64 (seed 0) of memory [$p, $p + $len), written little-endian at the `scratch` address
  ;; (JavaScript reads it there without making a bigint).
  (func (export "hash_to_scratch") (param $p i32) (param $len i32)
    (i64.store (i32.const 192) (call $hash (local.get $p) (local.get $len))))

  ;; Checksums $count message frames laid back to back from $p (binary.md §6.1: a 64-byte header
  ;; with user_headers_length at offset 48 and payload_length at offset 52, then the payload and
  ;; the user headers): writes XXH3-64 of bytes [8, frame end) little-endian at each frame's start.
  ;; Returns the address after the last frame.
  (func (export "checksum_frames") (param $p i32) (param $count i32) (result i32)
    (local $size i32)
    (block $done
      (loop $frame
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $size
          (i32.add
            (i32.const 64)
            (i32.add (i32.load offset=48 (local.get $p)) (i32.load offset=52 (local.get $p)))))
        (i64.store (local.get $p)
          (call $hash (i32.add (local.get $p) (i32.const 8)) (i32.sub (local.get $size) (i32.const 8))))
        (local.set $p (i32.add (local.get $p) (local.get $size)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $frame)))
    (local.get $p))

  ;; Stamps $count message frames laid back to back from $p, ending by $end (binary.md §6.5,
  ;; §6.6): offset $offset + i, timestamp $ts, a UUIDv4 where the 16-byte id is zero (the next
  ;; 16 random bytes from $random, version and variant bits set), then the checksum; and writes
  ;; the segment index entry of frame i at $index + 16 i: (relative offset $rel + i, end position
  ;; $position + frame end - $p, timestamp $ts).
  ;; Returns the number of random 16-byte blocks used, or -1 - i when frame i runs past $end
  ;; (frames before it are stamped by then).
  (func (export "stamp_frames")
    (param $p i32) (param $end i32) (param $count i32) (param $offset i64) (param $ts i64)
    (param $index i32) (param $rel i32) (param $position i32) (param $random i32) (result i32)
    (local $start i32) (local $next i32) (local $next64 i64) (local $i i32) (local $used i32)
    (local.set $start (local.get $p))
    (block $done
      (loop $frame
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        ;; the header must fit before its lengths are read; then the whole frame
        (if (i32.gt_u (i32.add (local.get $p) (i32.const 64)) (local.get $end))
          (then (return (i32.sub (i32.const -1) (local.get $i)))))
        ;; the frame end in 64 bits: two u32 lengths and an address can pass 2^32, and a wrapped
        ;; 32-bit sum could look like a short frame inside the section
        (local.set $next64
          (i64.add
            (i64.add (i64.extend_i32_u (local.get $p)) (i64.const 64))
            (i64.add
              (i64.extend_i32_u (i32.load offset=48 (local.get $p)))
              (i64.extend_i32_u (i32.load offset=52 (local.get $p))))))
        (if (i64.gt_u (local.get $next64) (i64.extend_i32_u (local.get $end)))
          (then (return (i32.sub (i32.const -1) (local.get $i)))))
        (local.set $next (i32.wrap_i64 (local.get $next64)))
        (i64.store offset=24 (local.get $p)
          (i64.add (local.get $offset) (i64.extend_i32_u (local.get $i))))
        (i64.store offset=32 (local.get $p) (local.get $ts))
        (if (v128.any_true (v128.load offset=8 (local.get $p)))
          (then)
          (else
            (v128.store offset=8 (local.get $p)
              (v128.load (i32.add (local.get $random) (i32.shl (local.get $used) (i32.const 4)))))
            ;; id byte 6: version 4; id byte 8: RFC 4122 variant
            (i32.store8 offset=14 (local.get $p)
              (i32.or (i32.and (i32.load8_u offset=14 (local.get $p)) (i32.const 0x0f)) (i32.const 0x40)))
            (i32.store8 offset=16 (local.get $p)
              (i32.or (i32.and (i32.load8_u offset=16 (local.get $p)) (i32.const 0x3f)) (i32.const 0x80)))
            (local.set $used (i32.add (local.get $used) (i32.const 1)))))
        (i32.store (local.get $index) (i32.add (local.get $rel) (local.get $i)))
        (i32.store offset=4 (local.get $index)
          (i32.add (local.get $position) (i32.sub (local.get $next) (local.get $start))))
        (i64.store offset=8 (local.get $index) (local.get $ts))
        (i64.store (local.get $p)
          (call $hash
            (i32.add (local.get $p) (i32.const 8))
            (i32.sub (i32.sub (local.get $next) (local.get $p)) (i32.const 8))))
        (local.set $index (i32.add (local.get $index) (i32.const 16)))
        (local.set $p (local.get $next))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $frame)))
    (local.get $used))
)
