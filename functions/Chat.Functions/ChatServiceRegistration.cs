namespace Chat.Functions;

using Azure.Core;
using Azure.Identity;
using Chat.Core.Accounts;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Chat.Core.Reactions;
using Chat.Functions.Auth;
using Chat.Functions.Cosmos;
using Chat.Core.Presence;
using Chat.Core.Realtime;
using Chat.Core.Media;
using Chat.Core.Push;
using Chat.Functions.Http;
using Chat.Functions.Media;
using Chat.Functions.Push;
using Chat.Functions.Queues;
using Chat.Functions.Realtime;
using Chat.Functions.Redis;
using Chat.Functions.Sms;
using Chat.Functions.Telemetry;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

/// <summary>The one set of registrations both hosts use.</summary>
public static class ChatServiceRegistration
{
    /// <summary>One pooled client for the REST adapters (SMS, SignalR, Notification Hubs), recycling connections so DNS changes are seen.</summary>
    private static readonly HttpClient BackingServices = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });

    public static IServiceCollection AddChatBackend(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TokenCredential>(_ => new DefaultAzureCredential());
        services.AddChatMetrics();

        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CosmosOptions>().BindConfiguration(CosmosOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SmsOptions>().BindConfiguration(SmsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SignalROptions>().BindConfiguration(SignalROptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SignalRUpstreamOptions>().BindConfiguration(SignalRUpstreamOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MediaOptions>().BindConfiguration(MediaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MediaStorageOptions>().BindConfiguration(MediaStorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<NotificationHubOptions>().BindConfiguration(NotificationHubOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PushOptions>().BindConfiguration(PushOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SessionCacheOptions>().BindConfiguration(SessionCacheOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<CosmosDatabase>();
        services.AddSingleton<ChatMetaCache>();
        services.AddSingleton<IChatStore, CosmosChatStore>();
        services.AddSingleton<IMessageStore, CosmosMessageStore>();
        services.AddSingleton<IReactionStore, CosmosReactionStore>();
        services.AddSingleton<IReceiptStore, CosmosReceiptStore>();
        services.AddSingleton<IUserStore, CosmosUserStore>();
        services.AddSingleton<IDirectoryStore, CosmosDirectoryStore>();
        services.AddSingleton<RedisConnectionFactory>();
        services.AddSingleton<StackExchange.Redis.IConnectionMultiplexer>(sp => sp.GetRequiredService<RedisConnectionFactory>().Connect());
        services.AddSingleton<RedisRoundTrips>();
        services.AddSingleton<IPresenceStore, RedisPresenceStore>();
        services.AddSingleton<IChatListOrder, RedisChatListOrder>();
        services.AddSingleton<IUserConnections, RedisUserConnections>();
        services.AddSingleton<IMediaStore, CosmosMediaStore>();
        services.AddSingleton<IMediaBlobs, BlobMediaStorage>();
        services.AddSingleton<IMediaJobs, QueuedMediaJobs>();
        services.AddSingleton<IThumbnailRenderer, SkiaThumbnailRenderer>();
        services.AddSingleton<StorageQueues>();
        services.AddSingleton<SignalRSessionBinding>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<SignalRRestClient>(sp, BackingServices));
        services.AddSingleton<IRealtime>(sp => sp.GetRequiredService<SignalRRestClient>());
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<SignalRUpstreamBearer>(sp, BackingServices));
        services.AddSingleton<SignalRUpstreamReader>();

        services.AddSingleton<IPushHub>(sp => ActivatorUtilities.CreateInstance<NotificationHubRestClient>(sp, BackingServices));
        services.AddSingleton<IPushJobs, QueuedPushJobs>();
        services.AddSingleton<IChatListJobs, QueuedChatListJobs>();
        services.AddSingleton<IPushLog, CosmosPushLog>();
        services.AddSingleton<ISmsSender>(sp => ActivatorUtilities.CreateInstance<AcsSmsSender>(sp, BackingServices));
        services.AddSingleton<ITokenService, TokenService>();
        services.AddSingleton<AccessTokenValidator>();
        services.AddSingleton<ISessionRevocations, RedisSessionRevocations>();
        services.AddSingleton<ISessionCheck, SessionStateCache>();
        services.AddSingleton<IRateLimiter, RedisRateLimiter>();
        services.AddSingleton<IPasswordHasher<UserAccount>, PasswordHasher<UserAccount>>();

        services.AddSingleton<AccountService>();
        services.AddSingleton<UserService>();
        services.AddSingleton<ChatService>();
        services.AddSingleton<ChatListFeed>();
        services.AddSingleton<SendLanes>();
        services.AddSingleton<MessageAppender>();
        services.AddSingleton<MessageService>();
        services.AddSingleton<TypingService>();
        services.AddSingleton<ForwardService>();
        services.AddSingleton<MessageEditService>();
        services.AddSingleton<ReactionService>();
        services.AddSingleton<Chat.Core.Blocking.BlockService>();
        services.AddSingleton<PresenceService>();
        services.AddSingleton<MediaService>();
        services.AddSingleton<DeviceService>();
        services.AddSingleton<PushService>();
        services.AddSingleton<RealtimeGroupSync>();
        services.AddSingleton<NegotiateService>();
        services.AddSingleton<SessionConnections>();

        services.AddSingleton<ChatHttpPipeline>();
        services.Configure<Microsoft.AspNetCore.Mvc.JsonOptions>(o => ChatJson.Configure(o.JsonSerializerOptions));
        services.AddHostedService<CosmosInitializer>();
        return services;
    }
}
