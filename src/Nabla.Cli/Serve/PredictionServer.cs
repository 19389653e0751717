using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Nabla.Data;
using Nabla.Serialization;
using Nabla.Tensors;

namespace Nabla.Cli.Serve;

/// <summary>
/// <c>nabla serve</c>'s web server, on ASP.NET Core's Kestrel: the draw-a-digit page (or a form for a tabular model)
/// at <c>/</c>, <c>POST /predict</c>, <c>GET /model</c> and <c>GET /health</c>. Requests are limited to
/// <see cref="MaxRequestBytes"/> (larger ones get 413), bodies must have a content type <see cref="RequestReader"/>
/// knows (else 415), and every refusal is a 4xx with <c>{"error": "one line"}</c>. Predictions run on a
/// <see cref="ModelPool"/>, so concurrent requests never share a model's buffers.
/// </summary>
/// <remarks>
/// The 1 MB limit is checked here, not by Kestrel: a body over it is refused with 413 while the rest of it, up to
/// <see cref="DrainBytes"/>, is read and thrown away, so that the connection closes cleanly and a client that sends the
/// whole body before reading the answer (as .NET's HttpClient does) gets the 413 rather than a broken pipe. Kestrel
/// closes the connection of a request larger than that.
/// </remarks>
internal sealed class PredictionServer : IAsyncDisposable
{
    /// <summary>The largest request body accepted.</summary>
    public const long MaxRequestBytes = 1 << 20;

    /// <summary>How much of a refused body is read and discarded before the connection is closed on it.</summary>
    public const long DrainBytes = 16 << 20;

    private const string TooLarge = "the request is larger than the 1024 KB (1 MB) nabla serve accepts.";

    private readonly WebApplication _app;

    private PredictionServer(WebApplication app, Uri address) => (_app, Address) = (app, address);

    /// <summary>Where the server listens (the port chosen, when 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>Starts listening on <paramref name="host"/>:<paramref name="port"/> (port 0: any free port).</summary>
    /// <exception cref="UsageException">The host is not an IP address or localhost, or the port cannot be bound.</exception>
    public static async Task<PredictionServer> StartAsync(ModelPool pool, string modelName, IPAddress address, int port, TextWriter errors)
    {
        ArgumentNullException.ThrowIfNull(pool);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Kestrel's own limit is the drain limit, not the 1 MB one (checked by Predict and Body): after a refused
            // request Kestrel reads and discards what is left of its body, but only within this limit — at 1 MB it closed
            // the connection on a body just over 1 MB with the client still sending, and the reset often took the 413
            // with it ("the response ended prematurely").
            kestrel.Limits.MaxRequestBodySize = DrainBytes;
            kestrel.Limits.MaxConcurrentConnections = 512;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Listen(address, port);
        });
        WebApplication app = builder.Build();
        string page = Page();
        string model = ModelJson(pool, modelName).ToJsonString();

        app.Use(async (context, next) =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (RequestException ex)
            {
                await Error(context, ex.Status, ex.Message).ConfigureAwait(false);
            }
            catch (BadHttpRequestException ex)
            {
                await Error(context, ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? TooLarge : ex.Message).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away.
            }
#pragma warning disable CA1031 // Anything else is the server's fault: a 500 for the client and one line on standard error.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                await errors.WriteLineAsync($"nabla serve: {context.Request.Method} {context.Request.Path}: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}").ConfigureAwait(false);
                await Error(context, 500, "internal error (see the server's output).").ConfigureAwait(false);
            }
        });
        app.MapGet("/", (HttpContext context) =>
        {
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'";
            return Results.Content(page, "text/html; charset=utf-8");
        });
        app.MapGet("/health", () => Results.Content("{\"status\":\"ok\"}", "application/json"));
        app.MapGet("/model", () => Results.Content(model, "application/json"));
        app.MapPost("/predict", (HttpContext context) => Predict(context, pool, modelName));
        app.MapFallback((HttpContext context) =>
        {
            string? allowed = context.Request.Path.Value switch
            {
                "/" or "/model" or "/health" => "GET",
                "/predict" => "POST",
                _ => null,
            };
            if (allowed is null)
            {
                return Error(context, 404, $"no such endpoint: {context.Request.Method} {Short(context.Request.Path.Value ?? "")} (try GET /, GET /model, GET /health, POST /predict).");
            }

            context.Response.Headers.Allow = allowed;
            return Error(context, 405, $"{context.Request.Path} takes {allowed}, not {Short(context.Request.Method)}.");
        });

        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new UsageException($"--host {address} --port {port}: cannot listen there ({ex.Message.Split('\n')[0]}).", ex);
        }

        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new PredictionServer(app, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    /// <summary>Cancelled when the server begins to stop by itself: on SIGTERM (as <c>kill</c>, <c>docker stop</c> or
    /// systemd send it), which ASP.NET Core's console lifetime turns into a graceful stop.</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    public async Task StopAsync() => await _app.StopAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

    private static async Task Predict(HttpContext context, ModelPool pool, string modelName)
    {
        HttpRequest request = context.Request;
        if (request.ContentLength > MaxRequestBytes)
        {
            throw new RequestException(413, TooLarge);
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? type))
        {
            throw new RequestException(415, $"give a Content-Type: {RequestReader.Accepted}.");
        }

        double minConfidence = Predictions.DefaultMinConfidence;
        if (request.Query.TryGetValue("min_confidence", out var given) && !(double.TryParse(given, NumberStyles.Float, CultureInfo.InvariantCulture, out minConfidence) && minConfidence is >= 0 and <= 1))
        {
            throw new RequestException(400, "min_confidence must be a number in [0, 1].");
        }

        var model = pool.Prototype;
        ModelMetadata metadata = pool.Metadata;
        string mediaType = type.MediaType.ToString().ToLowerInvariant();
        RequestSamples samples = mediaType switch
        {
            "image/png" or "image/jpeg" or "image/jpg" or "image/bmp" or "application/octet-stream" =>
                RequestReader.FromImages([("the uploaded image", await Body(request).ConfigureAwait(false))], model, metadata),
            "multipart/form-data" => await FromForm(request, model, metadata).ConfigureAwait(false),
            "text/csv" or "application/csv" => RequestReader.FromCsv(await Body(request).ConfigureAwait(false), model, metadata),
            "application/json" => RequestReader.FromJson(await Body(request).ConfigureAwait(false), model, metadata),
            _ => throw new RequestException(415, $"Content-Type {Short(mediaType)} is not one nabla serve reads; send {RequestReader.Accepted}."),
        };

        var raw = new Tensor(model.InputShape.WithBatchDimension(samples.Raw.Count));
        for (int i = 0; i < samples.Raw.Count; i++)
        {
            samples.Raw[i].CopyTo(raw.Row(i));
        }

        Tensor inputs = samples.Inputs ?? raw.Clone();
        if (samples.Inputs is null)
        {
            metadata.ScaleInputs(inputs.Span);
        }

        Tensor outputs = await pool.RunAsync(m => m.Predict(inputs), context.RequestAborted).ConfigureAwait(false);
        Prediction[] predictions = Predictions.Make(outputs, samples.Names, metadata, minConfidence);
        bool show = samples.Images && request.Query.TryGetValue("show", out var flag) && flag == "1";
        var list = new JsonArray();
        foreach (Prediction p in predictions)
        {
            JsonObject node = Predictions.ToJson(p, metadata);
            if (show)
            {
                // The picture as the model received it (0..255, row by row), for the page to draw.
                node["received"] = new JsonArray(samples.Raw[p.Sample].Select(v => (JsonNode)(int)Math.Clamp(MathF.Round(v), 0, 255)).ToArray());
            }

            list.Add((JsonNode)node);
        }

        await Json(context, 200, new JsonObject { ["model"] = modelName, ["predictions"] = list }).ConfigureAwait(false);
    }

    private static async Task<RequestSamples> FromForm(HttpRequest request, Nabla.Models.Sequential model, ModelMetadata metadata)
    {
        IFormCollection form;
        try
        {
            // The form is parsed from the body as read within the limit.
            request.Body = new MemoryStream(await Body(request).ConfigureAwait(false), writable: false);
            form = await request.ReadFormAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw new RequestException(400, $"the multipart form is malformed ({ex.Message.Split('\n')[0]}).");
        }

        if (form.Files.Count == 0)
        {
            return RequestReader.FromFields(form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value.ToString())), model, metadata);
        }

        var images = new List<(string, byte[])>();
        foreach (IFormFile file in form.Files)
        {
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer).ConfigureAwait(false);
            images.Add((string.IsNullOrEmpty(file.FileName) ? file.Name : Path.GetFileName(file.FileName), buffer.ToArray()));
        }

        return RequestReader.FromImages(images, model, metadata);
    }

    /// <summary>The whole body, refused with 413 as soon as it is over <see cref="MaxRequestBytes"/> (Kestrel then
    /// reads and discards the rest, up to <see cref="DrainBytes"/>).</summary>
    private static async Task<byte[]> Body(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[64 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxRequestBytes)
            {
                throw new RequestException(413, TooLarge);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.Length > 0 ? buffer.ToArray() : throw new RequestException(400, "the request has no body.");
    }

    /// <summary>GET /model: what the page and clients need to know.</summary>
    private static JsonObject ModelJson(ModelPool pool, string modelName)
    {
        var model = pool.Prototype;
        ModelMetadata metadata = pool.Metadata;
        bool image = metadata.FeatureNames is null && ImageStyle.ImageSize(model.InputShape) is not null;
        var node = new JsonObject
        {
            ["name"] = modelName,
            ["kind"] = image ? "image" : "tabular",
            ["task"] = metadata.Task.ToString().ToLowerInvariant(),
            ["classes"] = new JsonArray(metadata.ClassNames.Select(c => (JsonNode)c).ToArray()),
            ["input_shape"] = new JsonArray(model.InputShape.ToArray().Select(d => (JsonNode)d).ToArray()),
            ["parameters"] = model.ParameterCount,
            ["summary"] = model.Summary(),
            ["max_request_bytes"] = MaxRequestBytes,
            ["max_samples"] = RequestReader.MaxSamples,
            ["workers"] = pool.Size,
        };
        if (metadata.FeatureNames is not null)
        {
            node["feature_names"] = new JsonArray(metadata.FeatureNames.Select(c => (JsonNode)c).ToArray());
            node["target_name"] = metadata.TargetName;
        }

        if (image)
        {
            ImageStyle style = metadata.ImageStyle ?? ImageStyle.Mnist;
            node["image_style"] = new JsonObject
            {
                ["ink"] = style.LightInk ? "light" : "dark",
                ["centering"] = style.Centering == ImageCentering.CenterOfMass ? "mass" : "box",
                ["box"] = style.BoxSize,
                ["description"] = style.Describe(),
            };
        }

        if (metadata.TrainingData is { } data)
        {
            node["trained_on"] = new JsonObject { ["kind"] = data.Kind, ["path"] = data.Path, ["train_rows"] = data.TrainRows, ["test_rows"] = data.TestRows };
        }

        return node;
    }

    private static string Page()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Nabla.Cli.Serve.page.html")
            ?? throw new InvalidOperationException("The page is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static Task Error(HttpContext context, int status, string message) =>
        context.Response.HasStarted ? Task.CompletedTask : Json(context, status, new JsonObject { ["error"] = message });

    private static async Task Json(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    private static string Short(string text) => text.Length > 60 ? text[..60] + "…" : text;
}
