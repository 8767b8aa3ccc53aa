/* ks-idp-srp.c: USER_SRP_AUTH without server-side state: the challenge
 * travels sealed in SECRET_BLOCK
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <openssl/evp.h>

#include "ks-encoding.h"
#include "ks-idp-private.h"
#include "ks-idp-store.h"
#include "ks-srp.h"

/*
 * SECRET_BLOCK = base64 (version || nonce || AES-256-GCM (payload) || tag)
 * with the version and the pool id as associated data. The payload is a
 * GVariant (xsss): expiry, USER_ID_FOR_SRP, b and A (hex). Only a server
 * holding the data dir's signing key can make or read one, so any copy
 * of the server answers any other's challenge.
 */
#define BLOCK_VERSION 1
#define NONCE_LEN 12
#define TAG_LEN 16
#define PAYLOAD_TYPE "(xsss)"

static const char *const weekdays[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_CIPHER_CTX, EVP_CIPHER_CTX_free)

void
ks_idp_challenge_free (KsIdpChallenge *challenge)
{
  if (challenge == NULL)
    return;

  g_free (challenge->user_id);
  if (challenge->private_b != NULL)
    memset (challenge->private_b, 0, strlen (challenge->private_b));
  g_free (challenge->private_b);
  g_free (challenge->srp_a);
  g_free (challenge);
}

static GBytes *
make_aad (const char *pool_id)
{
  GByteArray *aad = g_byte_array_new ();
  guint8      version = BLOCK_VERSION;

  g_byte_array_append (aad, &version, 1);
  g_byte_array_append (aad, (const guint8 *) pool_id, (guint) strlen (pool_id));
  return g_byte_array_free_to_bytes (aad);
}

/* AES-256-GCM; @out has room for @len bytes and then the tag. */
static void
encrypt (const guint8 key[KS_IDP_SECRET_KEY_LEN],
         const guint8 nonce[NONCE_LEN],
         GBytes      *aad,
         const void  *plain,
         gsize        len,
         guint8      *out)
{
  g_autoptr (EVP_CIPHER_CTX) ctx = EVP_CIPHER_CTX_new ();
  int n = 0;
  int ok;

  ok = ctx != NULL &&
       EVP_EncryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, key, nonce) == 1 &&
       EVP_EncryptUpdate (ctx, NULL, &n, g_bytes_get_data (aad, NULL), (int) g_bytes_get_size (aad)) == 1 &&
       EVP_EncryptUpdate (ctx, out, &n, plain, (int) len) == 1 &&
       EVP_EncryptFinal_ex (ctx, out + n, &n) == 1 &&
       EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + len) == 1;
  /* Only out of memory makes this fail. */
  g_assert (ok);
}

static gboolean
decrypt (const guint8  key[KS_IDP_SECRET_KEY_LEN],
         const guint8 *nonce,
         GBytes       *aad,
         const guint8 *sealed,
         gsize         len,
         guint8       *out)
{
  g_autoptr (EVP_CIPHER_CTX) ctx = EVP_CIPHER_CTX_new ();
  int n = 0;

  return ctx != NULL &&
         EVP_DecryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, key, nonce) == 1 &&
         EVP_DecryptUpdate (ctx, NULL, &n, g_bytes_get_data (aad, NULL), (int) g_bytes_get_size (aad)) == 1 &&
         EVP_DecryptUpdate (ctx, out, &n, sealed, (int) len) == 1 &&
         EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, (void *) (sealed + len)) == 1 &&
         EVP_DecryptFinal_ex (ctx, out + n, &n) == 1;
}

char *
ks_idp_challenge_seal (const guint8          key[KS_IDP_SECRET_KEY_LEN],
                       const char           *pool_id,
                       const KsIdpChallenge *challenge)
{
  g_autoptr (GVariant) payload = NULL;
  g_autoptr (GBytes) aad = make_aad (pool_id);
  g_autofree guint8 *block = NULL;
  gsize              len;
  char              *text;

  payload = g_variant_ref_sink (g_variant_new (PAYLOAD_TYPE, challenge->expires_at, challenge->user_id,
                                               challenge->private_b, challenge->srp_a));
  len = g_variant_get_size (payload);
  block = g_malloc (1 + NONCE_LEN + len + TAG_LEN);
  block[0] = BLOCK_VERSION;
  ks_random_bytes (block + 1, NONCE_LEN);
  encrypt (key, block + 1, aad, g_variant_get_data (payload), len, block + 1 + NONCE_LEN);

  text = ks_base64_encode (block, 1 + NONCE_LEN + len + TAG_LEN);
  memset (block, 0, 1 + NONCE_LEN + len + TAG_LEN);
  return text;
}

static gboolean
refuse_block (GError **error)
{
  g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_NOT_AUTHORIZED,
                       "Incorrect username or password.");
  return FALSE;
}

static GVariant *
open_payload (const guint8  key[KS_IDP_SECRET_KEY_LEN],
              const char   *pool_id,
              const guint8 *block,
              gsize         len)
{
  g_autoptr (GBytes) aad = make_aad (pool_id);
  g_autoptr (GVariant) payload = NULL;
  guint8 *plain;
  gsize   plain_len;

  if (len < 1 + NONCE_LEN + TAG_LEN || block[0] != BLOCK_VERSION)
    return NULL;

  plain_len = len - 1 - NONCE_LEN - TAG_LEN;
  plain = g_malloc (plain_len + 1);
  if (!decrypt (key, block + 1, aad, block + 1 + NONCE_LEN, plain_len, plain))
    {
      g_free (plain);
      return NULL;
    }

  payload = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE (PAYLOAD_TYPE), plain, plain_len,
                                                         FALSE, g_free, plain));
  if (!g_variant_is_normal_form (payload))
    return NULL;

  return g_steal_pointer (&payload);
}

/**
 * ks_idp_challenge_open:
 * @error: NotAuthorizedException for a block that is not ours, was
 *   changed, or is past its expiry
 */
KsIdpChallenge *
ks_idp_challenge_open (const guint8 key[KS_IDP_SECRET_KEY_LEN],
                       const char  *pool_id,
                       const char  *secret_block,
                       gint64       now,
                       GError     **error)
{
  g_autofree guint8 *block = NULL;
  g_autoptr (GVariant) payload = NULL;
  KsIdpChallenge *challenge;
  gsize           len = 0;

  block = ks_base64_decode (secret_block, &len, NULL);
  if (block == NULL || (payload = open_payload (key, pool_id, block, len)) == NULL)
    {
      g_debug ("SECRET_BLOCK refused: not sealed by this pool");
      refuse_block (error);
      return NULL;
    }

  challenge = g_new0 (KsIdpChallenge, 1);
  g_variant_get (payload, PAYLOAD_TYPE, &challenge->expires_at, &challenge->user_id,
                 &challenge->private_b, &challenge->srp_a);
  if (challenge->expires_at <= now)
    {
      g_debug ("SECRET_BLOCK refused: expired");
      ks_idp_challenge_free (challenge);
      refuse_block (error);
      return NULL;
    }

  return challenge;
}

static int
find_name (const char *const *names,
           guint              n_names,
           const char        *name)
{
  for (guint i = 0; i < n_names; i++)
    if (strcmp (names[i], name) == 0)
      return (int) i;

  return -1;
}

static gboolean
parse_number (const char *text,
              guint64     min,
              guint64     max,
              int        *out)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    return FALSE;

  *out = (int) value;
  return TRUE;
}

static GDateTime *
parse_time_fields (char **fields)
{
  g_auto (GStrv) hms = g_strsplit (fields[3], ":", -1);
  int month = find_name (months, G_N_ELEMENTS (months), fields[1]);
  int day, year, hour, minute, second;

  if (month < 0 || g_strv_length (hms) != 3 || strcmp (fields[4], "UTC") != 0 ||
      !parse_number (fields[2], 1, 31, &day) || !parse_number (fields[5], 1970, 9999, &year) ||
      !parse_number (hms[0], 0, 23, &hour) || !parse_number (hms[1], 0, 59, &minute) ||
      !parse_number (hms[2], 0, 59, &second))
    return NULL;

  return g_date_time_new_utc (year, month + 1, day, hour, minute, second);
}

/**
 * ks_idp_parse_timestamp:
 * @text: "Tue Nov 3 05:07:09 UTC 2026", the day padded or not
 *
 * Returns: whether @text is such a time, with the right weekday
 */
gboolean
ks_idp_parse_timestamp (const char *text,
                        gint64     *out_unix)
{
  g_auto (GStrv) fields = NULL;
  g_autoptr (GDateTime) time = NULL;
  int weekday;

  if (strlen (text) > 64)
    return FALSE;

  fields = g_strsplit (text, " ", -1);
  /* Tolerate the two spaces of C's asctime() before a one-digit day. */
  if (g_strv_length (fields) == 7 && fields[2][0] == '\0')
    {
      g_free (fields[2]);
      memmove (&fields[2], &fields[3], 5 * sizeof (char *));
    }
  if (g_strv_length (fields) != 6)
    return FALSE;

  weekday = find_name (weekdays, G_N_ELEMENTS (weekdays), fields[0]);
  time = parse_time_fields (fields);
  if (time == NULL || weekday + 1 != g_date_time_get_day_of_week (time))
    return FALSE;

  *out_unix = g_date_time_to_unix (time);
  return TRUE;
}

/* ---- The exchange ---- */

/* Stable per name, so asking twice cannot tell a made-up user apart. */
void
ks_idp_fake_credentials (KsIdp      *idp,
                         const char *username,
                         char      **out_salt,
                         char      **out_verifier)
{
  g_autofree char *folded = g_ascii_strdown (username, -1);
  g_autofree char *salt_input = g_strconcat ("salt:", folded, NULL);
  g_autofree char *verifier_input = g_strconcat ("verifier:", folded, NULL);
  guint8           mac[KS_SHA256_LEN];

  ks_hmac_sha256 (idp->secret_key, sizeof idp->secret_key, salt_input, strlen (salt_input), mac);
  *out_salt = ks_hex_encode (mac, 16);
  ks_hmac_sha256 (idp->secret_key, sizeof idp->secret_key, verifier_input, strlen (verifier_input), mac);
  /* Non-zero, and 256 bits are far below N: a verifier SRP accepts. */
  mac[0] |= 0x01;
  *out_verifier = ks_hex_encode (mac, sizeof mac);
}

static JsonObject *
challenge_parameters (KsIdpCall   *call,
                      KsSrpServer *srp,
                      const char  *user_id,
                      const char  *srp_a)
{
  KsIdpChallenge   challenge = { 0 };
  g_autofree char *private_b = ks_srp_server_dup_private_b (srp);
  g_autofree char *block = NULL;
  JsonObject      *parameters = json_object_new ();

  challenge.user_id = (char *) user_id;
  challenge.private_b = private_b;
  challenge.srp_a = (char *) srp_a;
  challenge.expires_at = call->now + KS_IDP_CHALLENGE_LIFETIME;
  block = ks_idp_challenge_seal (call->idp->secret_key, call->idp->pool_id, &challenge);
  memset (private_b, 0, strlen (private_b));

  json_object_set_string_member (parameters, "SALT", ks_srp_server_get_salt (srp));
  json_object_set_string_member (parameters, "SECRET_BLOCK", block);
  json_object_set_string_member (parameters, "SRP_B", ks_srp_server_get_srp_b (srp));
  json_object_set_string_member (parameters, "USERNAME", user_id);
  json_object_set_string_member (parameters, "USER_ID_FOR_SRP", user_id);
  return parameters;
}

static void
srp_error (GError  *local_error,
           GError **error)
{
  g_debug ("SRP: %s", local_error->message);
  g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER, "Invalid SRP_A.");
  g_error_free (local_error);
}

/* InitiateAuth USER_SRP_AUTH: the PASSWORD_VERIFIER challenge. A name
 * nobody has gets a made-up challenge that no password answers. */
JsonNode *
ks_idp_srp_start (KsIdpCall  *call,
                  JsonObject *parameters,
                  GError    **error)
{
  const char *username, *srp_a, *user_id;
  g_autoptr (KsIdpUser) user = NULL;
  g_autoptr (KsSrpServer) srp = NULL;
  g_autofree char *fake_salt = NULL, *fake_verifier = NULL;
  GError          *local_error = NULL;
  JsonObject      *reply;
  JsonNode        *node;

  if (!ks_idp_get_parameter (parameters, "USERNAME", &username, error) ||
      !ks_idp_get_parameter (parameters, "SRP_A", &srp_a, error) ||
      !ks_idp_check_sign_in_allowed (call, username, error) ||
      !ks_idp_store_find_user (call->db, username, &user, error))
    return NULL;

  if (user == NULL)
    ks_idp_fake_credentials (call->idp, username, &fake_salt, &fake_verifier);
  user_id = user != NULL ? user->username : username;
  srp = ks_srp_server_new (call->idp->pool_id, user_id, user != NULL ? user->salt : fake_salt,
                           user != NULL ? user->verifier : fake_verifier, srp_a, &local_error);
  if (srp == NULL)
    {
      srp_error (local_error, error);
      return NULL;
    }

  reply = json_object_new ();
  json_object_set_string_member (reply, "ChallengeName", "PASSWORD_VERIFIER");
  json_object_set_object_member (reply, "ChallengeParameters", challenge_parameters (call, srp, user_id, srp_a));
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, reply);
  return node;
}

static gboolean
check_timestamp (KsIdpCall  *call,
                 const char *timestamp,
                 GError    **error)
{
  gint64 when;

  if (!ks_idp_parse_timestamp (timestamp, &when))
    {
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
                           "TIMESTAMP is not in the format \"Tue Nov 3 05:07:09 UTC 2026\".");
      return FALSE;
    }
  if (ABS (when - call->now) > KS_IDP_TIMESTAMP_SKEW)
    {
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_NOT_AUTHORIZED,
                           "TIMESTAMP is too far from the current time.");
      return FALSE;
    }

  return TRUE;
}

/* The claim, checked against the user's verifier as it is now. */
static gboolean
verify_claim (KsIdpCall            *call,
              const KsIdpChallenge *challenge,
              const KsIdpUser      *user,
              const char           *block,
              const char           *timestamp,
              const char           *signature,
              GError              **error)
{
  g_autoptr (KsSrpServer) srp = NULL;
  g_autoptr (GError) local_error = NULL;

  if (user != NULL)
    srp = ks_srp_server_new_with_b (call->idp->pool_id, user->username, user->salt, user->verifier,
                                    challenge->srp_a, challenge->private_b, &local_error);
  if (srp != NULL && ks_srp_server_verify_claim (srp, block, timestamp, signature, &local_error))
    return TRUE;

  if (local_error != NULL)
    g_debug ("PASSWORD_VERIFIER refused: %s", local_error->message);
  if (!ks_idp_note_sign_in_result (call, challenge->user_id, FALSE, error))
    return FALSE;
  return refuse_block (error);
}

/* A challenge is answered once; its hash is kept until it expires. */
static gboolean
use_challenge (KsIdpCall            *call,
               const char           *block,
               const KsIdpChallenge *challenge,
               GError              **error)
{
  g_autofree char *hash = ks_sha256_hex (block, strlen (block));
  gboolean         fresh = FALSE;

  if (!ks_idp_store_use_challenge (call->db, hash, challenge->expires_at, call->now, &fresh, error))
    return FALSE;
  if (!fresh)
    return refuse_block (error);

  return TRUE;
}

/* USERNAME is USER_ID_FOR_SRP, as the challenge said. */
static gboolean
check_same_user (const char           *username,
                 const KsIdpChallenge *challenge,
                 GError              **error)
{
  if (g_ascii_strcasecmp (username, challenge->user_id) == 0)
    return TRUE;

  return refuse_block (error);
}

/* RespondToAuthChallenge PASSWORD_VERIFIER. */
JsonNode *
ks_idp_srp_answer (KsIdpCall  *call,
                   JsonObject *responses,
                   GError    **error)
{
  const char *username, *block, *timestamp, *signature;
  g_autoptr (KsIdpChallenge) challenge = NULL;
  g_autoptr (KsIdpUser) user = NULL;

  if (!ks_idp_get_parameter (responses, "USERNAME", &username, error) ||
      !ks_idp_get_parameter (responses, "PASSWORD_CLAIM_SECRET_BLOCK", &block, error) ||
      !ks_idp_get_parameter (responses, "TIMESTAMP", &timestamp, error) ||
      !ks_idp_get_parameter (responses, "PASSWORD_CLAIM_SIGNATURE", &signature, error))
    return NULL;

  challenge = ks_idp_challenge_open (call->idp->secret_key, call->idp->pool_id, block, call->now, error);
  if (challenge == NULL || !check_timestamp (call, timestamp, error) ||
      !check_same_user (username, challenge, error) ||
      !ks_idp_check_sign_in_allowed (call, challenge->user_id, error))
    return NULL;

  if (!ks_idp_store_find_user (call->db, challenge->user_id, &user, error) ||
      !verify_claim (call, challenge, user, block, timestamp, signature, error) ||
      !use_challenge (call, block, challenge, error))
    return NULL;

  return ks_idp_finish_sign_in (call, user, error);
}
