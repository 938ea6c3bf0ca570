/* Every endpoint of netra-desk: method, path (exact, or a prefix ending in '/'), the roles
 * allowed (0: no authentication, only /healthz and /api/login) and the handler. One line each;
 * declare a handler here with `desk_handler_fn name;` beside its line. */
#include "desk/desk.h"

desk_handler_fn desk_healthz;
desk_handler_fn desk_metrics;
desk_handler_fn desk_login;
desk_handler_fn desk_logout;
desk_handler_fn desk_me;
desk_handler_fn feeds_atom;
desk_handler_fn feeds_json;
desk_handler_fn export_cases_csv;
desk_handler_fn webhooks_state;
desk_handler_fn api_cases_list;
desk_handler_fn api_case_get;
desk_handler_fn api_case_decide;
desk_handler_fn api_account_get;
desk_handler_fn api_account_rescan;
desk_handler_fn api_stats;
desk_handler_fn api_audit;

const struct desk_route desk_routes[] = {
    {"GET", "/healthz", 0, desk_healthz},
    {"GET", "/metrics", DESK_ROLES_ANY, desk_metrics},
    {"POST", "/api/login", 0, desk_login},
    {"POST", "/api/logout", DESK_ROLES_ANY, desk_logout},
    {"GET", "/api/me", DESK_ROLES_ANY, desk_me},
    {"GET", "/feeds/alerts.atom", DESK_ROLES_ANY, feeds_atom},
    {"GET", "/feeds/alerts.json", DESK_ROLES_ANY, feeds_json},
    {"GET", "/api/export/cases.csv", DESK_ROLES_ANY, export_cases_csv},
    {"GET", "/api/webhooks", DESK_ROLES_STAFF, webhooks_state},
    {"GET", "/api/cases", DESK_ROLES_STAFF, api_cases_list},
    {"GET", "/api/cases/", DESK_ROLES_STAFF, api_case_get},
    {"POST", "/api/cases/", DESK_ROLES_STAFF, api_case_decide},
    {"GET", "/api/accounts/", DESK_ROLES_STAFF, api_account_get},
    {"POST", "/api/accounts/", DESK_ROLE_SUPERVISOR, api_account_rescan},
    {"GET", "/api/stats", DESK_ROLES_STAFF, api_stats},
    {"GET", "/api/audit", DESK_ROLE_SUPERVISOR, api_audit},
};

const size_t desk_route_count = sizeof(desk_routes) / sizeof(desk_routes[0]);
