/* qe.h - the Quantizer engine's umbrella header.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_H
#define QE_H

#include "qe_core.h"

#endif /* QE_H */
