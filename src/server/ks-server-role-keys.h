/* ks-server-role-keys.h: temporary keys from the container's or the
 * EC2 instance's role
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_TYPE_SERVER_ROLE_KEYS (ks_server_role_keys_get_type ())

G_DECLARE_FINAL_TYPE (KsServerRoleKeys, ks_server_role_keys, KS, SERVER_ROLE_KEYS, GObject)

typedef struct
{
  char  *access_key_id;
  char  *secret_access_key;
  char  *session_token; /* nullable */
  gint64 expiration;    /* Unix time; 0: none given */
} KsServerKeys;

void ks_server_keys_free (KsServerKeys *keys);

/*
 * Where a role's keys come from, found as AWS's SDKs find it, for a
 * server with no keys in its environment:
 *
 * - the container credentials endpoint (an Amazon ECS task role, EKS Pod
 *   Identity): AWS_CONTAINER_CREDENTIALS_FULL_URI, or
 *   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI under http://169.254.170.2;
 *   the Authorization header from the file
 *   AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE names, or
 *   AWS_CONTAINER_AUTHORIZATION_TOKEN;
 * - else the EC2 instance metadata service (IMDSv2) and the instance
 *   profile's role: http://169.254.169.254, or
 *   AWS_EC2_METADATA_SERVICE_ENDPOINT, or _ENDPOINT_MODE=IPv6; not when
 *   AWS_EC2_METADATA_DISABLED is true.
 *
 * Plain http only to a loopback host or the link-local addresses ECS,
 * EKS and EC2 use.
 *
 * Returns: NULL with no error when AWS_EC2_METADATA_DISABLED turns the
 * last one off; NULL with KS_SERVER_ERROR_INVALID_ARGUMENT when the
 * variables are set wrongly.
 */
KsServerRoleKeys *ks_server_role_keys_new_from_environment (GError **error);

const char *ks_server_role_keys_get_url (KsServerRoleKeys *self);

/* Blocking; thread-safe. Errors: KS_SERVER_ERROR_FAILED with a sentence
 * naming the endpoint and why. */
KsServerKeys *ks_server_role_keys_fetch (KsServerRoleKeys *self,
                                         GCancellable     *cancellable,
                                         GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsServerKeys, ks_server_keys_free)

G_END_DECLS
