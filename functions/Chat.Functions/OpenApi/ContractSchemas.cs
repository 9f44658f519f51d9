namespace Chat.Functions.OpenApi;

using System.Reflection;
using System.Text.Json.Nodes;
using Chat.Core.Accounts;
using Chat.Core.Chats;
using Chat.Core.Media;
using Chat.Core.Messages;
using Chat.Core.Push;
using Chat.Core.Reactions;
using Chat.Core.Realtime;
using Chat.Functions.Triggers;

/// <summary>What the C# types of the API cannot say about its JSON (API.md), for <see cref="SchemaRegistry"/>: the string
/// vocabularies (kept as string constants in Chat.Core), the fields a request must carry (request records take every
/// field as nullable, so the validators can name what is missing), and the fields held as a raw JSON element.</summary>
public static class ContractSchemas
{
    private static readonly string[] MessageKinds = [MessageTypes.Text, MessageTypes.Image, MessageTypes.Video, MessageTypes.Audio, MessageTypes.File];
    private static readonly string[] ReceiptKinds = [ReceiptTypes.Delivered, ReceiptTypes.Read];

    private static readonly Dictionary<(Type, string), JsonArray> Vocabularies = new()
    {
        [(typeof(MessageView), nameof(MessageView.Type))] = Strings(MessageKinds),
        [(typeof(MessageView), nameof(MessageView.Status))] = Strings(MessageStatus.Sent, MessageStatus.Delivered, MessageStatus.Read),
        [(typeof(ReplyToView), nameof(ReplyToView.Type))] = Strings(MessageKinds),
        [(typeof(SendMessageRequest), nameof(SendMessageRequest.Type))] = Strings(MessageKinds),
        [(typeof(ChatView), nameof(ChatView.Type))] = Strings(ChatTypes.Direct, ChatTypes.Group),
        [(typeof(MemberView), nameof(MemberView.Role))] = Strings(Roles.Admin, Roles.Member),
        [(typeof(ReceiptEvent), nameof(ReceiptEvent.Type))] = Strings(ReceiptKinds),
        [(typeof(ReceiptRequest), nameof(ReceiptRequest.Type))] = Strings(ReceiptKinds),
        [(typeof(UpdateProfileRequest), nameof(UpdateProfileRequest.LastSeenVisibility))] = Strings(LastSeenVisibility.Everyone, LastSeenVisibility.Nobody),
        [(typeof(RegisterDeviceRequest), nameof(RegisterDeviceRequest.Platform))] = Strings([.. PushPlatforms.All]),
        [(typeof(TimerRequest), nameof(TimerRequest.Seconds))] = new([.. MessageTimers.Allowed.Order().Select(s => (JsonNode)s)]),
        [(typeof(HealthView), nameof(HealthView.Status))] = Strings("healthy"),
    };

    private static readonly HashSet<(Type, string)> RequiredInputs =
    [
        (typeof(RegisterRequest), nameof(RegisterRequest.PhoneNumber)),
        (typeof(RegisterRequest), nameof(RegisterRequest.DisplayName)),
        (typeof(RegisterRequest), nameof(RegisterRequest.Password)),
        (typeof(VerifyRequest), nameof(VerifyRequest.PhoneNumber)),
        (typeof(VerifyRequest), nameof(VerifyRequest.Code)),
        (typeof(LoginRequest), nameof(LoginRequest.PhoneNumber)),
        (typeof(LoginRequest), nameof(LoginRequest.Password)),
        (typeof(RefreshRequest), nameof(RefreshRequest.RefreshToken)),
        (typeof(LogoutRequest), nameof(LogoutRequest.RefreshToken)),
        (typeof(LookupRequest), nameof(LookupRequest.PhoneNumbers)),
        (typeof(OpenDirectRequest), nameof(OpenDirectRequest.UserId)),
        (typeof(CreateGroupRequest), nameof(CreateGroupRequest.Name)),
        (typeof(CreateGroupRequest), nameof(CreateGroupRequest.MemberIds)),
        (typeof(AddMembersRequest), nameof(AddMembersRequest.UserIds)),
        (typeof(JoinGroupRequest), nameof(JoinGroupRequest.InviteCode)),
        (typeof(SendMessageRequest), nameof(SendMessageRequest.ClientMessageId)),
        (typeof(SendMessageRequest), nameof(SendMessageRequest.Type)),
        (typeof(ReceiptRequest), nameof(ReceiptRequest.Type)),
        (typeof(ReceiptRequest), nameof(ReceiptRequest.UpToSeq)),
        (typeof(EditMessageRequest), nameof(EditMessageRequest.Text)),
        (typeof(ReactionRequest), nameof(ReactionRequest.Emoji)),
        (typeof(ForwardRequest), nameof(ForwardRequest.ChatIds)),
        (typeof(ForwardRequest), nameof(ForwardRequest.ClientMessageId)),
        (typeof(TimerRequest), nameof(TimerRequest.Seconds)),
        (typeof(CreateMediaRequest), nameof(CreateMediaRequest.FileName)),
        (typeof(CreateMediaRequest), nameof(CreateMediaRequest.ContentType)),
        (typeof(CreateMediaRequest), nameof(CreateMediaRequest.SizeBytes)),
        (typeof(RegisterDeviceRequest), nameof(RegisterDeviceRequest.Platform)),
        (typeof(RegisterDeviceRequest), nameof(RegisterDeviceRequest.PushChannel)),
    ];

    private static readonly Dictionary<(Type, string), Func<SchemaRegistry, JsonNode>> Replacements = new()
    {
        // A timestamp, or null to unmute; left out: unchanged.
        [(typeof(ChatSettingsRequest), nameof(ChatSettingsRequest.MutedUntil))] = _ =>
            new JsonObject { ["type"] = new JsonArray("string", "null"), ["format"] = "date-time" },

        // The device token or channel URI, or for web push the browser's subscription.
        [(typeof(RegisterDeviceRequest), nameof(RegisterDeviceRequest.PushChannel))] = schemas =>
            new JsonObject { ["oneOf"] = new JsonArray(new JsonObject { ["type"] = "string" }, schemas.RefTo(typeof(WebPushChannel))) },
    };

    public static JsonArray? Values(MemberInfo member) => Vocabularies.GetValueOrDefault(Key(member))?.DeepClone().AsArray();

    public static bool IsRequiredInput(MemberInfo member) => RequiredInputs.Contains(Key(member));

    public static Func<SchemaRegistry, JsonNode>? Replacement(MemberInfo member) => Replacements.GetValueOrDefault(Key(member));

    private static (Type, string) Key(MemberInfo member) => (member.DeclaringType!, member.Name);

    private static JsonArray Strings(params string[] values) => new([.. values.Select(v => (JsonNode)v)]);
}
