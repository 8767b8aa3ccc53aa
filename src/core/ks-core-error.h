/* ks-core-error.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KS_CORE_ERROR (ks_core_error_quark ())

/**
 * KsCoreError:
 * @KS_CORE_ERROR_PARSE: input text is not in the expected format
 * @KS_CORE_ERROR_INVALID: input is well-formed but its value is not allowed
 * @KS_CORE_ERROR_CRYPTO: the crypto library failed (out of memory, bad key)
 *
 * Errors of the small helpers in core. Protocol modules (SigV4, JWT, SRP)
 * have their own domains so callers can tell precise reasons apart.
 */
typedef enum
{
  KS_CORE_ERROR_PARSE,
  KS_CORE_ERROR_INVALID,
  KS_CORE_ERROR_CRYPTO,
} KsCoreError;

GQuark ks_core_error_quark (void);

G_END_DECLS
