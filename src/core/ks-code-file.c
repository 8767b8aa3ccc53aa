/* ks-code-file.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-code-file.h"

/* A file name for any username: percent-escaped, and never "." or "..". */
static char *
code_file_name (const char *username)
{
  g_autofree char *escaped = g_uri_escape_string (username, "@+", FALSE);

  if (escaped[0] == '.')
    return g_strconcat ("%2E", escaped + 1, NULL);
  return g_steal_pointer (&escaped);
}

char *
ks_code_file_path (const char *data_path,
                   const char *purpose,
                   const char *username)
{
  g_autofree char *name = code_file_name (username);
  const char      *dir = g_str_equal (purpose, KS_CODE_CONFIRM) ? "confirmation-codes"
                                                                : "password-reset-codes";

  return g_build_filename (data_path, dir, name, NULL);
}
