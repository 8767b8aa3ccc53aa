/* ks-server-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-server-error.h"

G_DEFINE_QUARK (ks_server_error_quark, ks_server_error)

gboolean
ks_server_fail_argument (GError    **error,
                         const char *format,
                         ...)
{
  g_autofree char *message = NULL;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}
