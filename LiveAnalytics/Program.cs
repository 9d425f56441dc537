using LiveAnalytics.Accounts;
using LiveAnalytics.Components;
using LiveAnalytics.Components.Layout;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Demo;
using LiveAnalytics.Health;
using LiveAnalytics.Infrastructure;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Live;
using LiveAnalytics.Persistence;
using LiveAnalytics.Reports;
using LiveAnalytics.Retention;
using LiveAnalytics.Settings;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using LiveAnalytics.Telemetry;
using LiveAnalytics.Widgets;
using MudBlazor.Services;

var builder = WebApplication.CreateBuilder(args);

builder.AddInfrastructure();
builder.AddPersistence();
builder.AddAccounts();
builder.AddIngestion();
builder.AddLive();
builder.AddSites();
builder.AddSettings();
builder.AddStats();
builder.AddRetention();
builder.AddReports();
builder.AddDashboard();
builder.AddWidgets();
builder.AddDemo();
builder.AddHealth();
builder.AddTelemetry();
builder.Services.AddProblemDetails();
builder.Services.AddMudServices();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();

var app = builder.Build();
// An operator's command (README), not the server.
if ((await app.TryRunPasswordResetAsync(args) ?? await app.TryRunOperatorCommandAsync(args)) is { } exitCode) return exitCode;

app.UseForwardedHeaders();
app.UseExceptionHandler("/Error", createScopeForErrors: true);
app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
// Routing here, after what every request needs, so that the tracker's endpoints (ShortCircuit) skip the rest.
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapHealth();
app.MapTelemetry();
app.MapIngestion();
app.MapStats();
app.MapSites();
app.MapRetention();
app.MapReports();
app.MapDashboard();
app.MapLive();
app.MapWidgets();
app.MapBenchmark();
app.MapAccounts();
app.MapTheme();
app.MapPersistence();
// No per-message deflate: its zlib state costs each circuit megabytes, and live updates are small diffs anyway.
app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.DisableWebSocketCompression = true);

app.Run();
return 0;

public partial class Program;
