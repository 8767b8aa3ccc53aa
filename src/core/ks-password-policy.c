/* ks-password-policy.c: the rules a new password must meet
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ks-password-policy.h"

#define SYMBOLS "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

const KsPasswordPolicy ks_password_policy_default = {
  .minimum_length = 8,
  .require_uppercase = TRUE,
  .require_lowercase = TRUE,
  .require_numbers = TRUE,
  .require_symbols = TRUE,
};

KsPasswordProblem
ks_password_policy_check (const KsPasswordPolicy *policy,
                          const char             *password)
{
  gboolean upper = FALSE, lower = FALSE, digit = FALSE, symbol = FALSE;

  g_return_val_if_fail (policy != NULL, KS_PASSWORD_PROBLEM_NONE);
  g_return_val_if_fail (password != NULL, KS_PASSWORD_PROBLEM_NONE);

  if (g_utf8_strlen (password, -1) < (glong) policy->minimum_length)
    return KS_PASSWORD_PROBLEM_TOO_SHORT;

  for (const char *p = password; *p != '\0'; p++)
    {
      upper |= g_ascii_isupper (*p);
      lower |= g_ascii_islower (*p);
      digit |= g_ascii_isdigit (*p);
      symbol |= strchr (SYMBOLS, *p) != NULL;
    }

  if (policy->require_uppercase && !upper)
    return KS_PASSWORD_PROBLEM_NO_UPPERCASE;
  if (policy->require_lowercase && !lower)
    return KS_PASSWORD_PROBLEM_NO_LOWERCASE;
  if (policy->require_numbers && !digit)
    return KS_PASSWORD_PROBLEM_NO_NUMBER;
  if (policy->require_symbols && !symbol)
    return KS_PASSWORD_PROBLEM_NO_SYMBOL;

  return KS_PASSWORD_PROBLEM_NONE;
}
