/* ks-test-cloud.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-test-cloud.h"

struct _KsTestTokenSource
{
  GObject     parent_instance;
  KsTestApi  *api;  /* unowned: outlives the source in every test */
  KsTestUser *user; /* unowned */
  gint64      lifetime;
  char       *current;
  guint       refresh_count;
};

static void ks_test_token_source_iface_init (KsTokenSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsTestTokenSource, ks_test_token_source, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (KS_TYPE_TOKEN_SOURCE, ks_test_token_source_iface_init))

static void
ks_test_token_source_get_access_token_async (KsTokenSource      *source,
                                             const char         *rejected,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data)
{
  KsTestTokenSource *self = KS_TEST_TOKEN_SOURCE (source);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  if (self->current == NULL || g_strcmp0 (rejected, self->current) == 0)
    {
      if (self->current != NULL)
        self->refresh_count++;
      g_free (self->current);
      self->current = ks_test_api_mint_token (self->api, self->user->sub, self->user->username,
                                              self->lifetime);
    }
  g_task_return_pointer (task, g_strdup (self->current), g_free);
}

static char *
ks_test_token_source_get_access_token_finish (KsTokenSource *source,
                                              GAsyncResult  *result,
                                              GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ks_test_token_source_iface_init (KsTokenSourceInterface *iface)
{
  iface->get_access_token_async = ks_test_token_source_get_access_token_async;
  iface->get_access_token_finish = ks_test_token_source_get_access_token_finish;
}

static void
ks_test_token_source_finalize (GObject *object)
{
  KsTestTokenSource *self = KS_TEST_TOKEN_SOURCE (object);

  g_free (self->current);

  G_OBJECT_CLASS (ks_test_token_source_parent_class)->finalize (object);
}

static void
ks_test_token_source_class_init (KsTestTokenSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_test_token_source_finalize;
}

static void
ks_test_token_source_init (KsTestTokenSource *self)
{
}

KsTestTokenSource *
ks_test_token_source_new (KsTestApi  *api,
                          KsTestUser *user,
                          gint64      lifetime)
{
  KsTestTokenSource *self = g_object_new (KS_TYPE_TEST_TOKEN_SOURCE, NULL);

  self->api = api;
  self->user = user;
  self->lifetime = lifetime;
  return self;
}

void
ks_test_token_source_set_lifetime (KsTestTokenSource *self,
                                   gint64             lifetime)
{
  self->lifetime = lifetime;
  g_clear_pointer (&self->current, g_free);
}

guint
ks_test_token_source_get_refresh_count (KsTestTokenSource *self)
{
  return self->refresh_count;
}

void
ks_test_store_result (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

GAsyncResult *
ks_test_wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}
