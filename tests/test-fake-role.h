/* test-fake-role.h: where a role's temporary keys come from, on loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handlers for KsTestHttp (its thread answers while the test blocks):
 * a container's credentials endpoint (Amazon ECS, EKS Pod Identity) and
 * an EC2 instance metadata service (IMDSv2 only), each handing out the
 * keys the test gives, expiring when the test says, and refusing a
 * request without the token it wants. keepsake-server reads them in
 * test-server-bucket.c; AWS's own SDK in test-peer-role-keys.c.
 * Header-only, static.
 */
#pragma once

#include <string.h>

#include <libsoup/soup.h>

#define ROLE_PATH "/v2/credentials/task-1"
#define ROLE_TOKEN "role-token-1"

/* The container's credentials endpoint (as ECS and EKS Pod Identity run
 * it): the bucket's owner's keys, or a wrong secret, each set expiring
 * when the test says. */
typedef struct
{
  GMutex      mutex;
  const char *access_key_id;
  const char *secret;
  guint       requests; /* answered with keys */
  guint       refused;
  /* what the next answers hold: a wrong secret for the one numbered
   * @wrong_from until @wrong_until (from 1), each set living @lifetimes
   * seconds: [0] before, [1] the wrong ones, [2] after */
  guint  wrong_from;
  guint  wrong_until;
  gint64 lifetimes[3];
  gint64 times[4]; /* monotonic, of the first answers */
} Role;

static G_GNUC_UNUSED void
role_cb (SoupServerMessage *msg,
         const char        *path,
         gpointer           user_data)
{
  Role       *role = user_data;
  const char *token = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&role->mutex);
  g_autoptr (GDateTime) expires = NULL;
  g_autofree char *expiration = NULL;
  char            *body;
  guint            n;
  guint            phase;

  if (!g_str_equal (path, ROLE_PATH) || g_strcmp0 (token, ROLE_TOKEN) != 0)
    {
      role->refused++;
      soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
      return;
    }

  n = ++role->requests;
  if (n < G_N_ELEMENTS (role->times))
    role->times[n] = g_get_monotonic_time ();
  phase = n < role->wrong_from ? 0 : n <= role->wrong_until ? 1
                                                            : 2;
  expires = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC + role->lifetimes[phase]);
  expiration = g_date_time_format_iso8601 (expires);
  body = g_strdup_printf ("{\"RoleArn\":\"arn:aws:iam::123456789012:role/keepsake\",\"AccessKeyId\":\"%s\","
                          "\"SecretAccessKey\":\"%s\",\"Token\":\"session-%u\",\"Expiration\":\"%s\"}",
                          role->access_key_id, phase == 1 ? "not-the-secret" : role->secret, n, expiration);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

static G_GNUC_UNUSED guint
role_requests (Role *role)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&role->mutex);

  return role->requests;
}

#define IMDS_SESSION "imds-session-1"
#define IMDS_ROLES "/latest/meta-data/iam/security-credentials/"
#define IMDS_ROLE "keepsake-server"

/* The instance metadata service, IMDSv2 only (as AWS advises): a
 * session token for a PUT, then the role's name and keys to whoever
 * shows it. */
typedef struct
{
  GMutex      mutex;
  const char *access_key_id;
  const char *secret;
  gboolean    no_role;
  const char *code; /* nullable: "Success" */
  gint64      lifetime;
  guint       sessions; /* tokens given */
  guint       keys;     /* sets of keys given */
  guint       refused;  /* requests without the token */
  gint64      times[3]; /* monotonic, of the first sets */
} Instance;

static G_GNUC_UNUSED void
instance_cb (SoupServerMessage *msg,
             const char        *path,
             gpointer           user_data)
{
  Instance           *instance = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char         *method = soup_server_message_get_method (msg);
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&instance->mutex);
  g_autoptr (GDateTime) expires = NULL;
  g_autofree char *expiration = NULL;
  char            *body;

  if (g_str_equal (method, "PUT") && g_str_equal (path, "/latest/api/token"))
    {
      if (soup_message_headers_get_one (headers, "X-aws-ec2-metadata-token-ttl-seconds") == NULL)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
          return;
        }
      instance->sessions++;
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, IMDS_SESSION,
                                        strlen (IMDS_SESSION));
      return;
    }
  if (!g_str_equal (method, "GET") ||
      g_strcmp0 (soup_message_headers_get_one (headers, "X-aws-ec2-metadata-token"), IMDS_SESSION) != 0)
    {
      instance->refused++;
      soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
      return;
    }
  if (instance->no_role || !g_str_has_prefix (path, IMDS_ROLES))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (g_str_equal (path, IMDS_ROLES))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, IMDS_ROLE, strlen (IMDS_ROLE));
      return;
    }
  if (!g_str_equal (path, IMDS_ROLES IMDS_ROLE))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  if (++instance->keys < G_N_ELEMENTS (instance->times))
    instance->times[instance->keys] = g_get_monotonic_time ();
  expires = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC + instance->lifetime);
  expiration = g_date_time_format_iso8601 (expires);
  body = g_strdup_printf ("{\"Code\":\"%s\",\"LastUpdated\":\"2026-11-22T08:00:00Z\",\"Type\":\"AWS-HMAC\","
                          "\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"%s\",\"Token\":\"instance-%u\","
                          "\"Expiration\":\"%s\"}",
                          instance->code != NULL ? instance->code : "Success", instance->access_key_id,
                          instance->secret, instance->keys, expiration);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

static G_GNUC_UNUSED guint
instance_keys (Instance *instance)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&instance->mutex);

  return instance->keys;
}
