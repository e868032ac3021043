#include "http/http_reply.h"
#include "server/console_assets.h"
#include "server/routes.h"

namespace arbiter::service {

namespace {

// The console's scripts and styles come from this origin only, none inline, and it talks to
// nothing but this server: content shown in it (policies, logged messages) cannot run code or
// leak anything even if it slipped past rendering as text.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void serve_asset(const ConsoleAsset& asset, const HttpRequest& req, HttpResponse& res) {
    res.set_header("Content-Security-Policy", std::string(kContentSecurityPolicy));
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    // The names carry no hash, so browsers keep a copy but ask each time whether it changed: a
    // new build is picked up at once, an unchanged file costs a 304.
    res.set_header("Cache-Control", "no-cache");
    res.set_header("ETag", std::string(asset.etag));
    if (req.header("If-None-Match") == asset.etag) {
        res.status = 304;
        return;
    }
    res.content_type = std::string(asset.content_type);
    res.body = std::string(asset.body);
}

}  // namespace

void add_console_routes(Router& router) {
    const std::span<const ConsoleAsset> assets = console_assets();
    if (assets.empty()) {
        router.add("GET", "/", std::nullopt, Cost::quick, [](const HttpRequest&, HttpResponse& res) {
            send_error(res, 404,
                       "this arbiter was built without its review console (npm was not found at build "
                       "time); the HTTP API under /v1 works as usual");
        });
        return;
    }
    for (const ConsoleAsset& asset : assets) {
        const std::string path = asset.path == "/index.html" ? "/" : std::string(asset.path);
        router.add("GET", path, std::nullopt, Cost::quick,
                   [&asset](const HttpRequest& req, HttpResponse& res) { serve_asset(asset, req, res); });
    }
}

}  // namespace arbiter::service
