/* qe_config_private.h - shared between the configuration's sources.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_CONFIG_PRIVATE_H
#define QE_CONFIG_PRIVATE_H

#include <stdbool.h>

/* Does the data engine accept @text for the choice key @path (it knows
 * aliases such as "hanning" or "False" the key table does not list)? false
 * when @path is not a data enumeration. */
bool qe_config_data_choice_ok(const char *path, const char *text);

#endif /* QE_CONFIG_PRIVATE_H */
