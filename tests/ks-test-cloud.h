/* ks-test-cloud.h: fixtures for the client library's tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-test-api.h"
#include "ks-token-source.h"

G_BEGIN_DECLS

/*
 * A KsTokenSource for one user of a KsTestApi server: tokens are minted
 * with the server's key (ks_test_api_mint_token), each living @lifetime
 * seconds. It counts how often it was asked to replace a refused token,
 * so tests can check that a 401 costs one refresh.
 */
#define KS_TYPE_TEST_TOKEN_SOURCE (ks_test_token_source_get_type ())
G_DECLARE_FINAL_TYPE (KsTestTokenSource, ks_test_token_source, KS, TEST_TOKEN_SOURCE, GObject)

KsTestTokenSource *ks_test_token_source_new (KsTestApi  *api,
                                             KsTestUser *user,
                                             gint64      lifetime);
/* The next token handed out lives @lifetime seconds (negative: already
 * expired), for "token expired mid-transfer" tests. */
void  ks_test_token_source_set_lifetime (KsTestTokenSource *self,
                                         gint64             lifetime);
guint ks_test_token_source_get_refresh_count (KsTestTokenSource *self);

/* Runs the thread-default main context until @result is set. */
GAsyncResult *ks_test_wait_result (GAsyncResult **result);
/* A GAsyncReadyCallback storing a ref of the result in *user_data. */
void ks_test_store_result (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data);

G_END_DECLS
