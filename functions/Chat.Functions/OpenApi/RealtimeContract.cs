namespace Chat.Functions.OpenApi;

using System.Reflection;
using System.Text.Json.Nodes;
using Chat.Core.Chats;
using Chat.Core.Messages;
using Chat.Core.Reactions;
using Chat.Core.Realtime;
using Chat.Functions.Realtime;

/// <summary>The hub's server-to-client methods (<see cref="ClientMethods"/>) and the type of each one's argument, for the
/// document's <c>x-signalr</c> extension; a method without a payload type here fails the build of the document.</summary>
public static class RealtimeContract
{
    public const string Extension = "x-signalr";
    public const string EventsSchema = "ServerEvents";

    public static readonly IReadOnlyDictionary<string, (Type Payload, string ToWhom)> Events = new Dictionary<string, (Type, string)>
    {
        [ClientMethods.Message] = (typeof(MessageView), "Every member of the chat, the sender included (its other devices)."),
        [ClientMethods.Receipt] = (typeof(ReceiptEvent), "Every member of the chat."),
        [ClientMethods.Presence] = (typeof(PresenceEvent), "Users who share a direct chat with the user, when the user comes online after 60 s or more without activity."),
        [ClientMethods.Typing] = (typeof(TypingEvent), "The other members of the chat."),
        [ClientMethods.Chat] = (typeof(ChatView), "The members on create, rename and membership change, also a removed member; without readSeq, unreadCount and settings."),
        [ClientMethods.MessageDeleted] = (typeof(MessageDeletedEvent), "Every member of the chat."),
        [ClientMethods.MessageEdited] = (typeof(MessageView), "Every member of the chat."),
        [ClientMethods.Reaction] = (typeof(ReactionEvent), "Every member of the chat; emoji is null when the reaction was removed."),
    };

    /// <summary>Every server-to-client method name, read from <see cref="ClientMethods"/>.</summary>
    public static IReadOnlyList<string> Methods { get; } = typeof(ClientMethods).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    /// <summary>The extension's value: the negotiate path (a POST of <c>paths</c>), the hub, each method's argument, and all
    /// of them as one schema.</summary>
    public static JsonObject Describe(SchemaRegistry schemas, string negotiatePath)
    {
        var events = new JsonObject();
        var properties = new JsonObject();
        foreach (var method in Methods)
        {
            var (payload, toWhom) = Events.TryGetValue(method, out var known)
                ? known
                : throw new InvalidOperationException($"The real-time method '{method}' has no payload type in RealtimeContract.Events.");
            events[method] = Described(schemas.RefTo(payload), toWhom);
            properties[method] = Described(schemas.RefTo(payload), toWhom);
        }

        var all = schemas.Add(EventsSchema, new JsonObject
        {
            ["type"] = "object",
            ["description"] = "Each server-to-client method of the hub and its one argument (the same as the x-signalr extension's events).",
            ["properties"] = properties,
            ["required"] = new JsonArray([.. Methods.Select(m => (JsonNode)m)]),
        });
        return new JsonObject
        {
            ["negotiate"] = negotiatePath,
            ["hub"] = new SignalROptions().Hub,
            ["events"] = events,
            ["schema"] = all,
        };
    }

    private static JsonObject Described(JsonObject reference, string description)
    {
        reference["description"] = description;
        return reference;
    }
}
