/* ks-password-policy.h: the rules a new password must meet
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A Cognito user pool's password policy (DescribeUserPool's
 * PasswordPolicy), as the built-in service applies it and as discovery
 * tells clients (docs/api.md). */
typedef struct
{
  guint    minimum_length; /* in characters */
  gboolean require_uppercase;
  gboolean require_lowercase;
  gboolean require_numbers;
  gboolean require_symbols;
} KsPasswordPolicy;

/* The first rule a password breaks, in the order Cognito checks them. */
typedef enum
{
  KS_PASSWORD_PROBLEM_NONE,
  KS_PASSWORD_PROBLEM_TOO_SHORT,
  KS_PASSWORD_PROBLEM_NO_UPPERCASE,
  KS_PASSWORD_PROBLEM_NO_LOWERCASE,
  KS_PASSWORD_PROBLEM_NO_NUMBER,
  KS_PASSWORD_PROBLEM_NO_SYMBOL,
} KsPasswordProblem;

/* Cognito's default: 8 characters, upper and lower case letters, a digit
 * and a symbol. */
extern const KsPasswordPolicy ks_password_policy_default;

/* Letters and digits are ASCII ones; symbols are Cognito's list
 * (^$*.[]{}()?"!@#%&/\,><':;|_~`=+- and the space). */
KsPasswordProblem ks_password_policy_check (const KsPasswordPolicy *policy,
                                            const char             *password);

G_END_DECLS
