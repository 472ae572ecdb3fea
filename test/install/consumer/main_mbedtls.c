/* Links the installed mbedTLS port and the mbedTLS it was found with. */
#include <stdio.h>

#include "banklink.h"
#include "bl_mbedtls.h"

int main(void)
{
    bl_mbedtls_config_t cfg;
    bl_mbedtls_config_init(&cfg);
    printf("mbedtls: %s, config lower %s\n", MBEDTLS_VERSION_STRING, cfg.lower == NULL ? "unset" : "set");
    return cfg.lower != NULL;
}
