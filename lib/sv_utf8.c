/*
 * UTF-8 sequences (see sv_utf8.h).
 */

#include "sv_utf8.h"

size_t
sv_utf8_sequence_length(const unsigned char *s, size_t n)
{
    unsigned char  lead, second_min = 0x80, second_max = 0xBF;
    size_t         need;

    if (n == 0) {
        return 0;
    }

    lead = s[0];

    if (lead < 0x80) {
        return 1;
    }

    /* The narrowed second-byte ranges exclude overlong forms, UTF-16
     * surrogates (ED A0..BF) and code points above U+10FFFF. */
    if (lead >= 0xC2 && lead <= 0xDF) {
        need = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        need = 3;
        second_min = lead == 0xE0 ? 0xA0 : 0x80;
        second_max = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        need = 4;
        second_min = lead == 0xF0 ? 0x90 : 0x80;
        second_max = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }

    if (n < need || s[1] < second_min || s[1] > second_max) {
        return 0;
    }

    for (size_t i = 2; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }

    return need;
}
