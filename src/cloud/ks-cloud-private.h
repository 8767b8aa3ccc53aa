/* ks-cloud-private.h: helpers the client library shares internally
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "ks-cloud-error.h"
#include "ks-password-policy.h"

G_BEGIN_DECLS

/* What a Cognito operation was for: NotAuthorizedException means a wrong
 * password at sign-in but a dead session on refresh. */
typedef enum
{
  KS_COGNITO_CONTEXT_SIGN_IN,
  KS_COGNITO_CONTEXT_REFRESH,
  KS_COGNITO_CONTEXT_TOKEN,
  KS_COGNITO_CONTEXT_OTHER,
} KsCognitoContext;

/* @type: Cognito's "__type", with or without "prefix#" and ":suffix".
 * @message: (nullable) Cognito's message, logged at debug level only. */
GError *ks_cloud_error_from_cognito (const char      *type,
                                     const char      *message,
                                     KsCognitoContext context);
/* KS_CLOUD_ERROR_INVALID_PASSWORD saying what @policy needs that the
 * password lacks (@problem: not NONE). */
GError *ks_cloud_error_new_password (const KsPasswordPolicy *policy,
                                     KsPasswordProblem       problem);
/* "At least 8 characters, with an upper case letter, ... and a symbol,
 * such as ! or %.", or NULL if @policy asks for nothing. */
char *ks_cloud_describe_password_policy (const KsPasswordPolicy *policy);

/* A transport error from libsoup or GIO: KS_CLOUD_ERROR_NETWORK (TLS
 * problems say so), or a copy of G_IO_ERROR_CANCELLED. */
GError *ks_cloud_error_from_transport (const GError *error);

/* http:// only for loopback hosts, else https://; an absolute URL with a
 * host and no user info. @what names the URL in the error. */
gboolean ks_cloud_check_url (const char *url,
                             const char *what,
                             GError    **error);

/* Overwrites then frees a secret string. */
void ks_cloud_secret_free (char *secret);

G_END_DECLS
