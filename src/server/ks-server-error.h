/* ks-server-error.h: the one error domain of keepsake-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KS_SERVER_ERROR (ks_server_error_quark ())

/**
 * KsServerError:
 * @KS_SERVER_ERROR_FAILED: anything not covered below
 * @KS_SERVER_ERROR_INVALID_ARGUMENT: a command-line option has a bad value
 * @KS_SERVER_ERROR_DATA_DIR: the data directory cannot be used
 * @KS_SERVER_ERROR_CORRUPT: a file in the data directory is damaged
 * @KS_SERVER_ERROR_DATABASE: SQLite failed for another reason
 * @KS_SERVER_ERROR_LISTEN: the listening socket could not be opened
 * @KS_SERVER_ERROR_BAD_REQUEST: a request body is malformed
 *
 * Errors of every server module; SQLite, GIO and soup errors are converted
 * to these at the boundary so main() can print one sentence.
 */
typedef enum
{
  KS_SERVER_ERROR_FAILED,
  KS_SERVER_ERROR_INVALID_ARGUMENT,
  KS_SERVER_ERROR_DATA_DIR,
  KS_SERVER_ERROR_CORRUPT,
  KS_SERVER_ERROR_DATABASE,
  KS_SERVER_ERROR_LISTEN,
  KS_SERVER_ERROR_BAD_REQUEST,
} KsServerError;

GQuark ks_server_error_quark (void);

/* Sets KS_SERVER_ERROR_INVALID_ARGUMENT with a sentence; returns FALSE. */
gboolean ks_server_fail_argument (GError    **error,
                                  const char *format,
                                  ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
