/* The whole shop inside a C program, without a socket: a product, an order, confirmed. */
#include <stdio.h>
#include <string.h>

#include <shopd/shopd.h>

static int call(shopd* shop, const char* method, const char* path, const char* body,
                char** answer) {
    int status = 0;
    size_t length = 0;
    if (shopd_request(shop, method, path, body, body ? strlen(body) : 0, &status, answer,
                      &length) != 0) {
        fprintf(stderr, "request failed: %s\n", *answer);
        return -1;
    }
    return status;
}

int main(void) {
    shopd* shop = NULL;
    char* error = NULL;
    if (shopd_start("[server]\nlisten = \"\"\n[storage]\nmemory = true\n[log]\nlevel = \"warn\"\n",
                    &shop, &error) != 0) {
        fprintf(stderr, "cannot start shopd: %s\n", error);
        shopd_free(error);
        return 1;
    }
    char* answer = NULL;
    call(shop, "POST", "/api/products",
         "{\"sku\":\"MUG\",\"name\":\"Mug\",\"price_cents\":1250,\"currency\":\"EUR\",\"stock\":5}",
         &answer);
    shopd_free(answer);
    shopd_wait_idle(shop, 10000);
    int placed = call(shop, "POST", "/api/orders",
                      "{\"customer_id\":\"ada\",\"items\":[{\"sku\":\"MUG\",\"quantity\":2}],"
                      "\"payment_token\":\"tok_ok\",\"shipping_address\":{\"name\":\"Ada\","
                      "\"line1\":\"1 Road\",\"city\":\"London\",\"postal_code\":\"N1\","
                      "\"country\":\"GB\"}}",
                      &answer);
    char id[64] = {0};
    const char* start = placed == 202 ? strstr(answer, "\"id\":\"") : NULL;
    if (start != NULL) {
        sscanf(start + 6, "%63[^\"]", id);
    }
    shopd_free(answer);
    shopd_wait_idle(shop, 10000);
    char path[128];
    snprintf(path, sizeof path, "/api/orders/%s", id);
    int found = call(shop, "GET", path, NULL, &answer);
    int confirmed = found == 200 && strstr(answer, "\"status\":\"confirmed\"") != NULL;
    printf("shopd %s, no socket (port %u): order %s %s\n", shopd_version(), shopd_port(shop), id,
           confirmed ? "confirmed" : "NOT confirmed");
    shopd_free(answer);
    shopd_stop(shop);
    return confirmed ? 0 : 1;
}
