/* ks-cloud-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ks-cloud-error.h"
#include "ks-cloud-private.h"
#include "ks-host.h"

G_DEFINE_QUARK (ks_cloud_error_quark, ks_cloud_error)

gboolean
ks_cloud_error_is_transient (const GError *error)
{
  if (error == NULL || error->domain != KS_CLOUD_ERROR)
    return FALSE;

  return error->code == KS_CLOUD_ERROR_NETWORK || error->code == KS_CLOUD_ERROR_SERVER ||
         error->code == KS_CLOUD_ERROR_THROTTLED || error->code == KS_CLOUD_ERROR_URL_EXPIRED;
}

typedef struct
{
  const char  *type;
  KsCloudError code;
} CognitoType;

/* Exceptions whose meaning does not depend on the operation. */
static const CognitoType cognito_types[] = {
  { "UserNotFoundException", KS_CLOUD_ERROR_USER_NOT_FOUND },
  { "UserNotConfirmedException", KS_CLOUD_ERROR_USER_NOT_CONFIRMED },
  { "UsernameExistsException", KS_CLOUD_ERROR_USERNAME_EXISTS },
  { "AliasExistsException", KS_CLOUD_ERROR_USERNAME_EXISTS },
  { "InvalidPasswordException", KS_CLOUD_ERROR_INVALID_PASSWORD },
  { "PasswordHistoryPolicyViolationException", KS_CLOUD_ERROR_INVALID_PASSWORD },
  { "CodeMismatchException", KS_CLOUD_ERROR_CODE_MISMATCH },
  { "ExpiredCodeException", KS_CLOUD_ERROR_CODE_EXPIRED },
  { "TooManyRequestsException", KS_CLOUD_ERROR_THROTTLED },
  { "LimitExceededException", KS_CLOUD_ERROR_THROTTLED },
  { "TooManyFailedAttemptsException", KS_CLOUD_ERROR_THROTTLED },
  { "InvalidParameterException", KS_CLOUD_ERROR_INVALID_PARAMETER },
  { "InvalidEmailRoleAccessPolicyException", KS_CLOUD_ERROR_CONFIG },
  { "InvalidUserPoolConfigurationException", KS_CLOUD_ERROR_CONFIG },
  { "ResourceNotFoundException", KS_CLOUD_ERROR_CONFIG },
  { "InternalErrorException", KS_CLOUD_ERROR_SERVER },
  { "InternalServerException", KS_CLOUD_ERROR_SERVER },
  { "ForbiddenException", KS_CLOUD_ERROR_FORBIDDEN },
  { "UnsupportedOperationException", KS_CLOUD_ERROR_AUTH_FLOW },
  { "Unsupported", KS_CLOUD_ERROR_AUTH_FLOW },
};

static const struct
{
  KsCloudError code;
  const char  *sentence;
} sentences[] = {
  { KS_CLOUD_ERROR_NOT_SIGNED_IN, N_ ("You are signed out. Sign in again to continue.") },
  { KS_CLOUD_ERROR_WRONG_PASSWORD, N_ ("The username or password is wrong.") },
  { KS_CLOUD_ERROR_USER_NOT_FOUND, N_ ("There is no account with this username.") },
  { KS_CLOUD_ERROR_USER_NOT_CONFIRMED,
    N_ ("This account is not confirmed yet: enter the code that was sent to you.") },
  { KS_CLOUD_ERROR_USERNAME_EXISTS, N_ ("This username is taken: choose another one.") },
  { KS_CLOUD_ERROR_INVALID_PASSWORD,
    N_ ("The server does not accept this password: choose a longer one that mixes upper and "
        "lower case letters, digits and symbols.") },
  { KS_CLOUD_ERROR_CODE_MISMATCH, N_ ("The code is wrong: check it and try again.") },
  { KS_CLOUD_ERROR_CODE_EXPIRED, N_ ("The code has expired: ask for a new one.") },
  { KS_CLOUD_ERROR_INVALID_PARAMETER,
    N_ ("The server refused what was entered: check the username and e-mail address.") },
  { KS_CLOUD_ERROR_AUTH_FLOW, N_ ("The server does not allow this way of signing in.") },
  { KS_CLOUD_ERROR_THROTTLED, N_ ("Too many attempts: wait a few minutes and try again.") },
  { KS_CLOUD_ERROR_CONFIG,
    N_ ("The server’s sign-in service is set up wrongly: contact its administrator.") },
  { KS_CLOUD_ERROR_SERVER, N_ ("The sign-in service has a problem: try again later.") },
};

static const char *
cloud_error_sentence (KsCloudError code)
{
  for (guint i = 0; i < G_N_ELEMENTS (sentences); i++)
    if (sentences[i].code == code)
      return _ (sentences[i].sentence);

  return _ ("The sign-in service refused the request.");
}

static char *
strip_type (const char *type)
{
  const char *start = strrchr (type, '#');
  const char *end;

  start = start != NULL ? start + 1 : type;
  end = strchr (start, ':');
  return end != NULL ? g_strndup (start, end - start) : g_strdup (start);
}

/* "Client … is configured with secret but SECRET_HASH was not
 * received", "Unable to verify secret hash for client …" */
static gboolean
wants_client_secret (const char *message)
{
  g_autofree char *lower = message != NULL ? g_ascii_strdown (message, -1) : NULL;

  return lower != NULL && (strstr (lower, "secret_hash") != NULL || strstr (lower, "secret hash") != NULL);
}

static KsCloudError
code_for_not_authorized (const char      *message,
                         KsCognitoContext context)
{
  if (message != NULL && strstr (message, "attempts exceeded") != NULL)
    return KS_CLOUD_ERROR_THROTTLED;
  if (wants_client_secret (message))
    return KS_CLOUD_ERROR_CONFIG;

  if (context == KS_COGNITO_CONTEXT_SIGN_IN)
    return KS_CLOUD_ERROR_WRONG_PASSWORD;
  if (context == KS_COGNITO_CONTEXT_REFRESH || context == KS_COGNITO_CONTEXT_TOKEN)
    return KS_CLOUD_ERROR_NOT_SIGNED_IN;
  return KS_CLOUD_ERROR_FAILED;
}

static KsCloudError
code_for_type (const char      *type,
               const char      *message,
               KsCognitoContext context)
{
  if (g_str_equal (type, "NotAuthorizedException"))
    return code_for_not_authorized (message, context);

  /* Some pools answer a wrong password this way; no policy applies to
   * signing in. */
  if (context == KS_COGNITO_CONTEXT_SIGN_IN && g_str_equal (type, "InvalidPasswordException"))
    return KS_CLOUD_ERROR_WRONG_PASSWORD;

  /* "USER_SRP_AUTH is not enabled for the client." */
  if (context == KS_COGNITO_CONTEXT_SIGN_IN && g_str_equal (type, "InvalidParameterException") &&
      message != NULL && (strstr (message, "_AUTH") != NULL || strstr (message, "flow") != NULL))
    return KS_CLOUD_ERROR_AUTH_FLOW;

  for (guint i = 0; i < G_N_ELEMENTS (cognito_types); i++)
    if (g_str_equal (type, cognito_types[i].type))
      return cognito_types[i].code;

  return KS_CLOUD_ERROR_FAILED;
}

/* Cognito names the first rule of its password policy a new password
 * breaks ("Password did not conform with policy: Password must have
 * uppercase characters"); saying which beats listing them all. */
static const struct
{
  KsPasswordProblem problem;
  const char       *rule;
  const char       *sentence;
} password_rules[] = {
  { KS_PASSWORD_PROBLEM_TOO_SHORT, "not long enough",
    N_ ("This password is too short for the server: choose a longer one.") },
  { KS_PASSWORD_PROBLEM_NO_UPPERCASE, "uppercase",
    N_ ("The server wants the password to have an upper case letter (A–Z).") },
  { KS_PASSWORD_PROBLEM_NO_LOWERCASE, "lowercase",
    N_ ("The server wants the password to have a lower case letter (a–z).") },
  { KS_PASSWORD_PROBLEM_NO_NUMBER, "numeric", N_ ("The server wants the password to have a digit (0–9).") },
  { KS_PASSWORD_PROBLEM_NO_SYMBOL, "symbol",
    N_ ("The server wants the password to have a symbol, such as ! or %.") },
};

static const char *
password_policy_sentence (const char *message)
{
  if (message == NULL || strstr (message, "did not conform with policy") == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (password_rules); i++)
    if (strstr (message, password_rules[i].rule) != NULL)
      return _ (password_rules[i].sentence);

  return NULL;
}

GError *
ks_cloud_error_new_password (const KsPasswordPolicy *policy,
                             KsPasswordProblem       problem)
{
  g_return_val_if_fail (problem != KS_PASSWORD_PROBLEM_NONE, NULL);

  /* The policy known, the length can be said. */
  if (problem == KS_PASSWORD_PROBLEM_TOO_SHORT)
    return g_error_new (KS_CLOUD_ERROR, KS_CLOUD_ERROR_INVALID_PASSWORD,
                        g_dngettext (GETTEXT_PACKAGE, "Choose a password of at least %u character.",
                                     "Choose a password of at least %u characters.", policy->minimum_length),
                        policy->minimum_length);

  for (guint i = 0; i < G_N_ELEMENTS (password_rules); i++)
    if (password_rules[i].problem == problem)
      return g_error_new_literal (KS_CLOUD_ERROR, KS_CLOUD_ERROR_INVALID_PASSWORD, _ (password_rules[i].sentence));

  g_return_val_if_reached (NULL);
}

char *
ks_cloud_describe_password_policy (const KsPasswordPolicy *policy)
{
  const char *needs[4];
  guint       n = 0;
  GString    *text;

  g_return_val_if_fail (policy != NULL, NULL);

  if (policy->require_uppercase)
    needs[n++] = _ ("an upper case letter");
  if (policy->require_lowercase)
    needs[n++] = _ ("a lower case letter");
  if (policy->require_numbers)
    needs[n++] = _ ("a digit");
  if (policy->require_symbols)
    needs[n++] = _ ("a symbol, such as ! or %");

  if (policy->minimum_length <= 1 && n == 0)
    return NULL;

  text = g_string_new (NULL);
  if (policy->minimum_length > 1)
    g_string_printf (text,
                     g_dngettext (GETTEXT_PACKAGE, "At least %u character", "At least %u characters",
                                  policy->minimum_length),
                     policy->minimum_length);
  for (guint i = 0; i < n; i++)
    {
      if (i == 0)
        g_string_append (text, text->len > 0 ? _ (", with ") : _ ("With "));
      else
        g_string_append (text, i + 1 < n ? ", " : _ (" and "));
      g_string_append (text, needs[i]);
    }
  g_string_append_c (text, '.');

  return g_string_free (text, FALSE);
}

GError *
ks_cloud_error_from_cognito (const char      *type,
                             const char      *message,
                             KsCognitoContext context)
{
  g_autofree char *bare = strip_type (type);
  KsCloudError     code = code_for_type (bare, message, context);
  const char      *rule = NULL;

  g_debug ("Cognito error %s: %s", bare, message != NULL ? message : "(no message)");

  if (code == KS_CLOUD_ERROR_FAILED && g_str_equal (bare, "PasswordResetRequiredException"))
    return g_error_new_literal (KS_CLOUD_ERROR, code,
                                _ ("You need to reset your password before you can sign in."));

  if (code == KS_CLOUD_ERROR_INVALID_PASSWORD)
    rule = password_policy_sentence (message);
  /* A desktop app cannot keep a secret: the pool's app client must not
   * have one (README). Say so rather than blame the password. */
  else if (code == KS_CLOUD_ERROR_CONFIG && wants_client_secret (message))
    rule = _ ("The server’s sign-in service wants a client secret, which a desktop app cannot keep: "
              "its administrator should set it up with an app client without one.");
  /* "Attributes did not conform to the schema: email: The attribute is
   * required" */
  else if (code == KS_CLOUD_ERROR_INVALID_PARAMETER && message != NULL && strstr (message, "email:") != NULL &&
           strstr (message, "required") != NULL)
    {
      code = KS_CLOUD_ERROR_EMAIL_REQUIRED;
      rule = _ ("The server wants an email address for a new account: codes to confirm it or reset "
                "its password go there.");
    }

  return g_error_new_literal (KS_CLOUD_ERROR, code, rule != NULL ? rule : cloud_error_sentence (code));
}

GError *
ks_cloud_error_from_transport (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  g_debug ("Transport error: %s", error->message);

  if (error->domain == G_TLS_ERROR)
    return g_error_new (KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK,
                        _ ("The server’s identity could not be verified (%s)."), error->message);

  return g_error_new (KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK,
                      _ ("The server could not be reached (%s)."), error->message);
}

gboolean
ks_cloud_check_url (const char *url,
                    const char *what,
                    GError    **error)
{
  g_autoptr (GUri) uri = NULL;
  const char *scheme;
  const char *host;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                   _ ("The %s “%s” is not a web address."), what, url);
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;

  if (g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                   _ ("The %s “%s” must start with https://."), what, url);
      return FALSE;
    }
  if (!ks_host_is_loopback (host))
    {
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                   _ ("The %s “%s” is not encrypted: use https:// (plain http:// is only for this "
                      "computer)."),
                   what, url);
      return FALSE;
    }

  return TRUE;
}

void
ks_cloud_secret_free (char *secret)
{
  if (secret == NULL)
    return;

  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}
