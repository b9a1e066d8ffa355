/* eas/bytes.h: the keyed hash that ServerIds are compared by in RAM. */
#include <string.h>

#include "check.h"
#include "eas/bytes.h"

TEST(keyed_hash_does_not_inherit_fnv_collisions)
{
    /* "one-189bb" and "one-53848" share a 32-bit FNV-1a (the stand-in's s24 pair). FNV-1a from a salted
     * basis makes them collide again for about 1 salt in 100; the keyed hash must not. */
    static const char a[] = "one-189bb", b[] = "one-53848";
    CHECK_EQ(eas_fnv1a(a, 9), eas_fnv1a(b, 9));
    uint32_t salt = 12345u, fnv_again = 0, keyed_again = 0;
    for (int i = 0; i < 20000; i++) {
        salt = salt * 1664525u + 1013904223u;
        uint32_t basis = eas_fnv1a(&salt, sizeof salt);
        if (eas_fnv1a_from(basis, a, 9) == eas_fnv1a_from(basis, b, 9)) fnv_again++;
        if ((eas_hash_keyed(salt, a, 9) | 1u) == (eas_hash_keyed(salt, b, 9) | 1u)) keyed_again++;
    }
    CHECK(fnv_again > 20); /* the weakness this hash is there for */
    CHECK_EQ(keyed_again, 0);
    /* the salt changes the hash; the length is part of it */
    CHECK(eas_hash_keyed(1u, a, 9) != eas_hash_keyed(2u, a, 9));
    CHECK(eas_hash_keyed(1u, "", 0) != eas_hash_keyed(1u, "\0", 1));
}
